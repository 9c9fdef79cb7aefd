from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest

from governance import selectors as org_selectors
from governance.errors import ApplicationError
from governance.models import Center


def center_or_404(request: HttpRequest) -> Center:
    center = org_selectors.center_for_user(user=request.user)
    if center is None:
        raise Http404("未配置中心")
    return center


def show_error(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, exc.message)


def show_form_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else str(error))
