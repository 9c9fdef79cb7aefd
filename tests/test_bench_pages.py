"""The page budget's arithmetic and its list of API lists (benchmarks/bench_pages.py, issue 25)."""

from __future__ import annotations

import sys

import pytest

from governance.settings import BASE_DIR

sys.path.insert(0, str(BASE_DIR / "benchmarks"))

import bench_pages  # noqa: E402


def page(route: str = "intake:case_list", *, cold: list[float], warm: list[float], login: str = "director",
         key: str = "k") -> bench_pages.Page:
    return bench_pages.Page(login, route, key, "/x/", cold, warm, 100)


def test_p95_is_the_nearest_rank_and_the_slowest_of_few_samples():
    assert bench_pages.p95([0.1, 0.3, 0.2]) == 0.3
    assert bench_pages.p95([i / 100 for i in range(1, 101)]) == 0.95


def test_a_page_is_within_its_budget_only_when_cold_and_warm_are():
    assert page(cold=[0.2, 0.29], warm=[0.1] * 10).within()
    assert not page(cold=[0.2, 0.31], warm=[0.1] * 10).within()
    assert not page(cold=[0.2], warm=[0.1] * 9 + [0.16]).within()
    # The station queue's own target is stricter than the general one.
    assert not page("grid:station", cold=[0.2], warm=[0.12] * 10).within()
    assert page("grid:tree", cold=[0.2], warm=[0.18] * 10).within()


def test_growth_compares_the_same_login_and_key_and_allows_log_not_linear():
    quarter = [page(cold=[0.1], warm=[0.040] * 5, key="a"), page(cold=[0.1], warm=[0.040] * 5, key="b"),
               page(cold=[0.1], warm=[0.040] * 5, key="c", login="leader")]
    full = [page(cold=[0.1], warm=[0.060] * 5, key="a"),  # x1.5: within
            page(cold=[0.1], warm=[0.160] * 5, key="b"),  # x4: linear, beyond
            page(cold=[0.1], warm=[0.040] * 5, key="c", login="director"),  # another login: not compared
            page(cold=[0.1], warm=[0.040] * 5, key="d")]  # not in the quarter: not compared
    pairs, grown = bench_pages.growth(full, quarter)
    assert [big.key for big, _small in pairs] == ["a", "b"]
    assert [big.key for big, _small in grown] == ["b"]


@pytest.mark.parametrize("path", ["/api/intake/cases/"])
def test_the_api_lists_include_the_matter_list_and_no_detail_route(path):
    lists = {p: name for name, p in bench_pages.api_lists()}
    assert path in lists
    assert all("<" not in p and p.startswith("/api/") for p in lists)
