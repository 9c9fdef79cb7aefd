"""Links to dispatch pages, for notifications written by services (empty when the page is not routed)."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import NoReverseMatch, reverse


def link_to(name: str, pk: int) -> str:
    """`link_to("work-assignment", 7)` → `/dispatch/work/assignments/7/` (the URL name in `dispatch:`)."""
    try:
        return reverse(f"dispatch:{name}", args=[pk])
    except NoReverseMatch:
        return ""


LINK_SENTINEL = 987654321987


@functools.cache
def _link_template(name: str) -> str:
    return link_to(name, LINK_SENTINEL)


def link_for(name: str, pk: int) -> str:
    """`link_to` without a URL resolution per call, for the sweep's rows (reverse() was its largest
    Python cost: 0.3 ms a call, through asgiref's context-local URL configuration)."""
    return _link_template(name).replace(str(LINK_SENTINEL), str(pk))


def work_case_url(*, case_id: int) -> str:
    """The center's work page of a matter (intake's `case_work_url`)."""
    return link_to("work-case", case_id)


# A call-up message's confirmation link (dispatch.services.ack): its row id, signed and dated.
ACK_SALT = "dispatch.summons-ack"
ACK_KIND = "summons.approved"


def ack_token_for(notification_id: int) -> str:
    return signing.dumps(notification_id, salt=ACK_SALT)


def ack_link_for(notification: Any) -> str:
    """The absolute confirmation link of a call-up message ("" without SITE_URL or for other kinds)."""
    if notification.kind != ACK_KIND or not settings.SITE_URL:
        return ""
    return settings.SITE_URL + reverse("dispatch:summons-ack", args=[ack_token_for(notification.pk)])
