from __future__ import annotations

import pytest

from governance.tests.factories import CenterFactory, ServiceWindowFactory, UserFactory


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
