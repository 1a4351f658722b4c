"""The search memo shares optima that do not depend on how they were asked (issue 24, item 2): the
pool, the benchmark and the Pareto frontier solved the same utilitarian and maximin MILPs three times."""

from __future__ import annotations

import numpy as np
import pytest

import sim.search.exact as exact
from sim.core.context import make_context
from sim.search.exact import SearchCache
from tests.conftest import random_scenario


@pytest.fixture()
def solves(monkeypatch):
    """Count the searches actually run, by objective."""
    calls: list[str] = []
    real = exact._optimise
    monkeypatch.setattr(exact, "_optimise", lambda rub, obj, *a: calls.append(obj) or real(rub, obj, *a))
    return calls


def test_objectives_without_a_disagreement_point_share_one_entry(solves):
    rub = make_context(random_scenario(2, 8, 3)).rubric
    cache, d = SearchCache(rub), np.full(3, 0.5)
    for obj in ("utilitarian", "maximin", "leximin"):
        assert cache.optimise(obj, disagreement=d) is cache.optimise(obj) is cache.optimise(obj, method="enumeration")
    assert solves == ["utilitarian", "maximin", "leximin"]
    # nash and kalai depend on the point: one entry per point, each equal to the uncached search
    for obj in ("nash", "kalai"):
        for point in (d, np.zeros(3)):
            got = cache.optimise(obj, disagreement=point)
            np.testing.assert_array_equal(got.package, exact.optimise(rub, obj, disagreement=point).package)
    assert solves.count("nash") == 4 and solves.count("kalai") == 4       # cached twice, uncached twice
    with pytest.raises(ValueError, match="one utility per group"):
        cache.optimise("utilitarian", disagreement=np.zeros(2))       # a wrong point still raises


def test_the_frontier_and_the_pool_share_the_utilitarian_and_maximin_optima(solves):
    rub = make_context(random_scenario(4, 21, 2)).rubric                  # above the enumeration limit
    exact._BY_FINGERPRINT.clear()
    frontier = exact.cached(rub).pareto_frontier(max_points=3)
    assert solves == ["utilitarian", "maximin"]
    shared = exact.cached(rub)
    assert shared.optimise("maximin", disagreement=np.ones(2)) is shared.optimise("maximin", method="milp")
    assert solves == ["utilitarian", "maximin"]                           # nothing solved again
    assert [p.total for p in frontier] == [p.total for p in exact.pareto_frontier(rub, max_points=3)]
