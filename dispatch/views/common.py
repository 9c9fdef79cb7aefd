from __future__ import annotations

from django.http import Http404, HttpRequest

from governance import selectors as org_selectors
from governance.models import Center


def center_or_404(request: HttpRequest) -> Center:
    center = org_selectors.center_for_user(user=request.user)
    if center is None:
        raise Http404("未配置中心")
    return center
