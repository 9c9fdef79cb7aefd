"""The closed loop's last check: a matter that came from a grid closes only after a worker of
that grid verified it on site. One rule, registered with intake's close checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import DispatchEventType
from dispatch.services import case_verify
from dispatch.services.closing import require_four_eyes
from governance.errors import ApplicationError, PermissionDeniedError
from grid.choices import GridEventType
from grid.selectors import worker_covered_grid_on
from grid.services._files import photos_check
from intake.choices import CaseStatus, Channel
from intake.events import case_event_record
from intake.models import Case, CaseEvent
from intake.services.cleaning import FieldErrors
from intake.services.registration import remove_files, store_files
from intake.services.transition import case_transition
from intake.validators import UploadedFileLike

# A department's answer verified (dispatch's case_verify), or a matter the village settled itself
# checked on site by the grid worker (recorded here: that status has no "verified" state).
VERIFIED_EVENTS = (DispatchEventType.CASE_VERIFIED, GridEventType.SITE_VERIFIED)


def grid_case_close_check(*, case: Case) -> None:
    """Raise unless the matter's last passed verification was made by a worker who covered the
    matter's grid that day. Matters registered elsewhere are not concerned."""
    if case.channel != Channel.GRID_REPORT or case.grid_id is None:
        return
    verified = (CaseEvent.objects.filter(case=case, type__in=VERIFIED_EVENTS).exclude(actor=None)
                .order_by("-occurred_at", "-pk").first())
    if verified is not None and worker_covered_grid_on(
            worker_id=verified.actor_id, grid=case.grid, day=timezone.localdate(verified.occurred_at)):
        return
    raise ApplicationError(
        gettext("该事项来自网格上报：须由“%(grid)s”的网格员现场核查通过后才能办结。") % {"grid": case.grid.name},
        code="grid_verification_required")


def grid_case_verify(
    *, actor: AbstractBaseUser, case: Case, passed: bool, notes: str = "",
    photos: Iterable[UploadedFileLike] = (), now: dt.datetime | None = None,
) -> Case:
    """核查: the worker checks the result on site, with notes and photos from the same spot
    (kept as the matter's attachments, purpose "verification"). Dispatch's `case_verify` moves it."""
    now = now or timezone.now()
    errors = FieldErrors()
    uploads = photos_check(errors, photos)
    if not passed and not notes.strip():
        errors.fail("notes", gettext("核查未通过时请写明原因。"), code="required")
    errors.raise_if_any()
    stored: list[str] = []
    try:
        with transaction.atomic():
            if case.status == CaseStatus.SETTLED_ON_SPOT and case.channel == Channel.GRID_REPORT:
                _site_verify_settled(actor=actor, case=case, passed=passed, notes=notes,
                                     photos=[u.name for u, _ in uploads], now=now)
            else:
                case_verify(actor=actor, case=case, passed=passed, notes=notes, now=now)
            store_files(uploads, case=case, actor=actor, purpose="verification", stored=stored)
    except BaseException:
        remove_files(stored)
        raise
    return case


def _site_verify_settled(*, actor: AbstractBaseUser, case: Case, passed: bool, notes: str, photos: list[str],
                         now: dt.datetime) -> None:
    """A grid report the village settled: the worker of its grid checks it on site. Passed: an
    event (the status stays, the revisit follows). Failed: back to the station's queue."""
    if not worker_covered_grid_on(worker_id=actor.pk, grid=case.grid, day=timezone.localdate(now)):
        raise PermissionDeniedError(gettext("只能核查本网格的事项。"))
    require_four_eyes(actor=actor, case=case)
    data = {"passed": passed, "notes": notes, "photos": photos}
    if passed:
        if CaseEvent.objects.filter(case=case, type=GridEventType.SITE_VERIFIED).exists():
            raise ApplicationError(gettext("该事项已核查。"), code="invalid_transition")
        case_event_record(case=case, type=GridEventType.SITE_VERIFIED, actor=actor, data=data, now=now)
        return
    case_transition(case=case, to_status=CaseStatus.PENDING_DISPATCH, actor=actor,
                    event_type=DispatchEventType.CASE_VERIFICATION_FAILED, data=data, now=now)
