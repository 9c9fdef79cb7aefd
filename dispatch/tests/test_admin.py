"""Every dispatch admin page renders for an administrator (configuration editable, work read-only)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from dispatch.models import Assignment, DeadlinePolicy, RoutingRule
from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_dispatch_admin_pages_render(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for model in admin.site._registry:
        if model._meta.app_label != "dispatch":
            continue
        url = reverse(f"admin:dispatch_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("admin:dispatch_routingrule_add")).status_code == 200
    assert client.get(reverse("admin:dispatch_deadlinepolicy_add")).status_code == 200
    assert client.get(reverse("admin:dispatch_assignment_add")).status_code == 403
    assert {RoutingRule, DeadlinePolicy, Assignment} <= set(admin.site._registry)
