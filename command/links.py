"""Links to command pages that lower apps show (through their hooks)."""

from __future__ import annotations

from django.urls import reverse


def consultation_url(*, consultation_id: int) -> str:
    """A consultation's page (dispatch's `consultation_url`: the wartime page's 战时会商)."""
    return reverse("command:consultation", args=[consultation_id])
