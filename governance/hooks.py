"""Explicit hooks: a lower app declares what it needs from the apps above it, a higher app registers
the answer in its `ready()` (like the navigation and health registries). Nothing is looked up by
name, and a hook nobody registered fails loudly instead of answering a silent default."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

F = TypeVar("F", bound=Callable[..., Any])

_DECLARED: list[Hook[Any]] = []


class Hook(Generic[F]):
    """One function slot. `declared_by` is the app that calls it; `provided_by` the app that must
    register it (checked by `tests/test_house_rules.py`)."""

    def __init__(self, name: str, *, declared_by: str, provided_by: str, doc: str) -> None:
        self.name = name
        self.declared_by = declared_by
        self.provided_by = provided_by
        self.__doc__ = doc
        self._implementation: F | None = None
        _DECLARED.append(self)

    def register(self, implementation: F) -> F:
        self._implementation = implementation
        return implementation

    @property
    def is_registered(self) -> bool:
        return self._implementation is not None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._implementation is None:
            raise ImproperlyConfigured(
                f"hook {self.name} (declared by {self.declared_by}) has no implementation: "
                f"{self.provided_by} must register one in its AppConfig.ready()"
            )
        return self._implementation(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}>"


class ListHook(Hook[F]):
    """A slot several apps fill: each registers a function answering a list, and calling the hook
    answers their lists joined in registration order (the apps' `ready()` order). `provided_by`
    is the app that must register; others may add theirs (e.g. a matter's page panels)."""

    def __init__(self, name: str, *, declared_by: str, provided_by: str, doc: str) -> None:
        super().__init__(name, declared_by=declared_by, provided_by=provided_by, doc=doc)
        self._implementations: list[F] = []

    def register(self, implementation: F) -> F:
        self._implementations.append(implementation)
        self._implementation = self._implementations[0]
        return implementation

    def __call__(self, *args: Any, **kwargs: Any) -> list[Any]:
        if not self._implementations:
            return super().__call__(*args, **kwargs)
        return [item for implementation in self._implementations for item in implementation(*args, **kwargs)]


def declared_hooks() -> list[Hook[Any]]:
    return list(_DECLARED)


# --- what governance asks of the apps above it ------------------------------------------------------
grids_assigned_on: Hook[Callable[..., Any]] = Hook(
    "governance.grids_assigned_on",
    declared_by="governance",
    provided_by="grid",
    doc="`(*, user, day) -> QuerySet of grid ids`: the grids a worker is assigned to on that day, read from "
        "the assignments' dates (their start and end, wartime-only responsible people, released "
        "reinforcements). The one rule behind every grid worker's access (`governance.selectors`).",
)

workers_assigned_on: Hook[Callable[..., Any]] = Hook(
    "governance.workers_assigned_on",
    declared_by="governance",
    provided_by="grid",
    doc="`(*, grid_ids, day) -> QuerySet of user ids`: the workers assigned on that day to any of these "
        "grids; the inverse of `grids_assigned_on`, by the same dates.",
)
