from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language

from governance.navigation import navigation_for
from governance.roles import Role, user_roles

# How many navigation entries stand in the bar before the rest go under "更多" (More), so that the
# bar stays on one line at a 1280 px desk screen: Chinese labels are 2-4 characters, English ones long.
NAV_INLINE = {"en": 6}
NAV_INLINE_DEFAULT = 9


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs on every page: navigation (the entries in the bar and those under
    "更多") and the user's role labels."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_all": [], "nav_items": [], "nav_more": [], "role_labels": []}
    roles = user_roles(user)
    items = navigation_for(user)
    inline = NAV_INLINE.get((get_language() or "").split("-")[0], NAV_INLINE_DEFAULT)
    if len(items) <= inline + 1:  # a menu of one entry helps nobody
        inline = len(items)
    return {
        "nav_all": items,
        "nav_items": items[:inline],
        "nav_more": items[inline:],
        "role_labels": [str(Role(code).label) for code in Role.values if code in roles],
    }
