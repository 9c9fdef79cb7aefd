"""The seven-step panel shown on a matter's pages (registered with intake's case panels)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from grid.selectors import case_loop_steps
from intake.models import Case


def loop_steps_panel(*, case: Case, user: Any) -> SafeString | str:
    return render_to_string("grid/_loop_steps.html", {"steps": case_loop_steps(case=case), "case": case})
