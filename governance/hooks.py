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
    register it (checked by `governance/tests/test_hooks.py`)."""

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


def declared_hooks() -> list[Hook[Any]]:
    return list(_DECLARED)
