"""The seven-step panel shown on a matter's pages (registered with intake's case panels)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from grid.selectors import case_loop_steps, patrol_open_for_worker, verification_tasks
from intake.models import Case


def loop_steps_panel(*, case: Case, user: Any) -> SafeString | str:
    return render_to_string("grid/_loop_steps.html", {"steps": case_loop_steps(case=case), "case": case})


def worker_home_panel(user: Any) -> dict[str, Any]:
    """The grid worker's two main actions (开始巡查, 上报问题) and her 待核查 count, first on her home."""
    return {"patrol": patrol_open_for_worker(worker=user), "to_verify": len(verification_tasks(worker=user))}
