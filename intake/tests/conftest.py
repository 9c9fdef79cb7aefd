from __future__ import annotations

import pytest

from governance.tests.factories import CenterFactory, ServiceWindowFactory, UserFactory
from intake.open311 import views as open311_views
from intake.open311.services import platform_key_create
from intake.tests.api_client import token_client
from intake.tests.open311 import PUSHED_AT


@pytest.fixture
def center(db):
    return CenterFactory(quanzhou=True)


@pytest.fixture
def clerk(center):
    return UserFactory(username="clerk", first_name="小红", last_name="林", roles=["window_clerk"], center=center)


@pytest.fixture
def window(center, clerk):
    window = ServiceWindowFactory(center=center)
    window.staff.add(clerk)
    return window


@pytest.fixture
def dispatcher(center):
    return UserFactory(username="dispatcher", roles=["dispatcher"], center=center)


@pytest.fixture
def api(clerk):
    """The clerk's API client, signed in with a new token."""
    return token_client(clerk)


@pytest.fixture
def clock(monkeypatch):
    """The seam the Open311 views read the time from."""
    state = {"now": PUSHED_AT}
    monkeypatch.setattr(open311_views, "clock", lambda: state["now"])
    return state


@pytest.fixture
def platform(center):
    """A 12345 hotline's Open311 key: (the key, its raw value)."""
    key, raw = platform_key_create(name="泉州市12345热线", center=center, source="qz12345")
    return key, raw
