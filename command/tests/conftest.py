from __future__ import annotations

import pytest
import time_machine

from command.tests.factories import NOW, CommandWorld


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def world(db, now) -> CommandWorld:
    return CommandWorld()
