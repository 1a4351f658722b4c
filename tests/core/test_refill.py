"""The screened greedy refill equals the plain one that tries every item in turn (brute-force oracle);
the screened choice of what to drop to fit the budget equals scoring every item in turn.

Worth is drawn from small integers so equal ratios (ties to the lowest index) are common.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.core.repair import _cheapest_loss, refill
from sim.core.rubric import build_rubric
from sim.testing import random_scenario


def plain_refill(rub, y: np.ndarray, worth: np.ndarray, banned: frozenset[int]) -> np.ndarray:
    """The definition: repeatedly add the item (with its closure) of best gain per cost, first on ties."""
    y = y.copy()
    while True:
        best, best_ratio = None, 0.0
        for k in range(rub.n_items):
            if y[k] or k in banned or worth[k] <= 0:
                continue
            z = y.copy()
            z[k] = 1
            z = rub.closure(z)
            added = np.flatnonzero(z != y)
            gain = float(worth[added].sum())
            if gain <= 0 or any(int(a) in banned for a in added) or not rub.feasible(z):
                continue
            ratio = gain / max(float(rub.costs[added].sum()), 1e-9)
            if ratio > best_ratio:
                best, best_ratio = z, ratio
        if best is None:
            return y
        y = best


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 100_000), n_items=st.integers(2, 24), data=st.data())
def test_refill_equals_trying_every_item(seed: int, n_items: int, data) -> None:
    rub = build_rubric(random_scenario(seed, n_items, 2))
    rng = np.random.default_rng(seed)
    worth = rng.integers(-2, 4, n_items).astype(float) * data.draw(st.sampled_from([1.0, 0.1, 1e3]))
    y = np.zeros(n_items, dtype=np.int8)
    for k in rng.permutation(n_items)[: data.draw(st.integers(0, n_items))]:
        z = y.copy()
        z[k] = 1
        z = rub.closure(z)
        if rub.feasible(z):
            y = z
    banned = frozenset(data.draw(st.sets(st.integers(0, n_items - 1), max_size=3)))
    assert np.array_equal(refill(rub, y, worth, banned), plain_refill(rub, y, worth, banned))


def plain_cheapest_loss(rub, y: np.ndarray, worth: np.ndarray, protect: frozenset[int]) -> int:
    """The definition: the item of y whose removal (with its dependants in y) has the smallest
    (protected, loss / cost freed, index)."""
    best_key = None
    for k in np.flatnonzero(y):
        dep = rub.dependants(int(k))
        gone = np.concatenate([[k], dep[y[dep] == 1]]).astype(int)
        freed = float(rub.costs[gone].sum())
        if freed <= 0:
            continue
        key = (int(k) in protect, float(worth[gone].sum()) / freed, int(k))
        best_key = key if best_key is None or key < best_key else best_key
    return best_key[2]


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 100_000), n_items=st.integers(2, 30), data=st.data())
def test_cheapest_loss_equals_scoring_every_item(seed: int, n_items: int, data) -> None:
    rub = build_rubric(random_scenario(seed, n_items, 2))
    rng = np.random.default_rng(seed)
    worth = rng.integers(-2, 4, n_items).astype(float) * data.draw(st.sampled_from([1.0, 0.1, 1e3, 1 / 3]))
    y = rub.closure((rng.random(n_items) < data.draw(st.floats(0.2, 1.0))).astype(np.int8))
    assume(rub.costs[y == 1].sum() > 0)                 # repair only drops while something costs
    protect = frozenset(data.draw(st.sets(st.integers(0, n_items - 1), max_size=n_items)))
    assert _cheapest_loss(rub, y, worth, protect) == plain_cheapest_loss(rub, y, worth, protect)
