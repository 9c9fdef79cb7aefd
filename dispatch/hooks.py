"""What dispatch asks of the apps above it; the grid registers the answer in `GridConfig.ready()`."""

from __future__ import annotations

from collections.abc import Callable

from governance.hooks import Hook

mode_switched: Hook[Callable[..., None]] = Hook(
    "dispatch.mode_switched",
    declared_by="dispatch",
    provided_by="grid",
    doc="`(*, mode) -> None`, called inside the switch's transaction with the new `Mode` row: the grid "
        "activates its wartime micro-grids and releases reinforcements when wartime ends.",
)
