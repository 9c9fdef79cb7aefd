from __future__ import annotations

import pytest

from intake.tests.factories import CenterFactory, UserFactory, WindowFactory


@pytest.fixture
def center(db):
    return CenterFactory()


@pytest.fixture
def clerk(center):
    return UserFactory(username="clerk", first_name="小红", last_name="林", roles=["window_clerk"], center=center)


@pytest.fixture
def window(center, clerk):
    window = WindowFactory(center=center)
    window.staff.add(clerk)
    return window


@pytest.fixture
def dispatcher(center):
    return UserFactory(username="dispatcher", roles=["dispatcher"], center=center)
