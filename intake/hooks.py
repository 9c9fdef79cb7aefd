"""What intake asks of the apps above it; dispatch registers the answers in `DispatchConfig.ready()`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from governance.hooks import Hook, ListHook

department_case_ids: Hook[Callable[[AbstractBaseUser], QuerySet | Iterable[int]]] = Hook(
    "intake.department_case_ids",
    declared_by="intake",
    provided_by="dispatch",
    doc="`(user) -> ids`: the matters assigned to the departments a liaison or handler acts for.",
)

operating_mode: Hook[Callable[..., str]] = Hook(
    "intake.operating_mode",
    declared_by="intake",
    provided_by="dispatch",
    doc="`(*, center) -> 'normal' | 'wartime'`: the mode in force at a district center now.",
)

case_queued: Hook[Callable[..., None]] = Hook(
    "intake.case_queued",
    declared_by="intake",
    provided_by="dispatch",
    doc="`(*, case, now)`: a matter has just arrived on the dispatch queue (a platform push, an "
    "upper-level assignment, an online form, a grid report, or a walk-in sent on); called inside that "
    "transaction, it notifies the duty director on duty after commit.",
)

case_close_check: Hook[Callable[..., None]] = Hook(
    "intake.case_close_check",
    declared_by="intake",
    provided_by="grid",
    doc="`(*, case) -> None`, raises `ApplicationError` when a rule forbids closing the matter (a grid "
        "report closes only after a worker of its grid verified it on site). Called by dispatch's close.",
)

case_panels: ListHook[Callable[..., list]] = ListHook(
    "intake.case_panels",
    declared_by="intake",
    provided_by="grid",
    doc="`(*, case, user) -> [html]`: extra panels for a matter's pages, from each app that registers "
        "(the grid's seven steps; review's warning letters, with 发函 for those who may issue).",
)
