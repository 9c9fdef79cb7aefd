from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from governance.navigation import navigation_for
from governance.roles import Role, user_roles


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs on every page: navigation and the user's role labels."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "role_labels": []}
    roles = user_roles(user)
    return {
        "nav_items": navigation_for(user),
        "role_labels": [str(Role(code).label) for code in Role.values if code in roles],
    }
