"""What every page needs from dispatch: the mode banner, the unread count and (lazily) who is on duty."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from dispatch.selectors import (
    commanders_on_duty,
    duty_director_on_duty,
    mode_current,
    notification_unread_count,
)
from governance.models import Center
from governance.selectors import center_id_for_user


def on_duty_summary(*, center: Center, at: Any) -> dict[str, Any]:
    commanders = commanders_on_duty(center=center, at=at)
    return {
        "duty": duty_director_on_duty(center=center, at=at),
        "commanders": commanders.commanders,
        "deputy_commanders": commanders.deputies,
    }


def shell(request: HttpRequest) -> dict[str, Any]:
    """Two queries on every signed-in page (the user's center and mode, the unread count); the
    on-duty summary is lazy and costs its few queries only on pages that render it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    center_id = center_id_for_user(user=user)
    context: dict[str, Any] = {"notifications_unread": notification_unread_count(user=user)}
    if center_id is None:
        return context
    now = timezone.now()

    def summary() -> dict[str, Any]:
        return on_duty_summary(center=Center.objects.get(pk=center_id), at=now)

    context["dispatch_mode"] = mode_current(center=center_id)
    context["on_duty"] = SimpleLazyObject(summary)
    return context
