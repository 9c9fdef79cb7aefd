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


def test_the_messages_list_offers_the_kinds_and_gateways_of_its_newest_rows(client, monkeypatch):
    """Filters on a large table read the newest rows' values (`governance.counting.RecentValuesFilter`),
    not a DISTINCT over every message."""
    from dispatch.tests.factories import NotificationFactory
    from governance import counting

    monkeypatch.setattr(counting, "COUNT_CAP", 2)
    NotificationFactory(kind="old.kind", gateway="old-gw")
    NotificationFactory(kind="new.kind", gateway="")
    NotificationFactory(kind="newer.kind", gateway="new-gw")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:dispatch_notification_changelist")).content.decode()
    assert "?kind=new.kind" in page and "?kind=newer.kind" in page and "?kind=old.kind" not in page
    assert "?gateway=new-gw" in page and "?gateway=old-gw" not in page
    listed = client.get(reverse("admin:dispatch_notification_changelist"), {"kind": "old.kind"}).content.decode()
    assert "old.kind" in listed
