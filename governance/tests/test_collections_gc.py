"""A bulk job collects its youngest generation less often, and leaves the process's thresholds as
they were (governance/collections_gc.py)."""

from __future__ import annotations

import gc

import pytest

from governance.collections_gc import fewer_collections


@pytest.fixture(autouse=True)
def thresholds():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_the_threshold_is_raised_in_the_block_and_restored_after_even_on_error():
    with fewer_collections():
        assert gc.get_threshold() == (50_000, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)
    with pytest.raises(RuntimeError), fewer_collections(gen0=20_000):
        assert gc.get_threshold() == (20_000, 10, 10)
        raise RuntimeError("a batch fails")
    assert gc.get_threshold() == (700, 10, 10)


def test_a_process_already_collecting_less_often_is_not_made_to_collect_more():
    gc.set_threshold(100_000, 10, 10)
    with fewer_collections():
        assert gc.get_threshold()[0] == 100_000
    assert gc.get_threshold() == (100_000, 10, 10)
