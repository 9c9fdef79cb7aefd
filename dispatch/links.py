"""Links to dispatch pages, for notifications written by services (empty when the page is not routed)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse


def link_to(name: str, pk: int) -> str:
    """`link_to("work-assignment", 7)` → `/dispatch/work/assignments/7/` (the URL name in `dispatch:`)."""
    try:
        return reverse(f"dispatch:{name}", args=[pk])
    except NoReverseMatch:
        return ""
