"""The deadline engine registers its check with the center's health (governance.health)."""

from __future__ import annotations

import pytest

from dispatch.services.engine_audit import deadline_engine_checks
from governance.health import _EXTRA_CHECKS
from governance.roles import Role
from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_deadline_engine_check_is_registered(client):
    client.force_login(UserFactory(roles=[Role.ADMINISTRATOR]))  # the details are for staff
    assert deadline_engine_checks in _EXTRA_CHECKS
    assert client.get("/healthz").json()["extra_checks"]["时限督办"]["ok"] is True
