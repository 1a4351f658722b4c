"""Shapley values: published known answers, sampling error, axioms (hypothesis), shap oracle."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.shapley import CoalitionCache, shapley_values


def weighted_voting(quota: float, weights) -> callable:
    """[q; w1..wn]: a coalition wins (1) when its weight reaches the quota."""
    w = np.asarray(weights, dtype=float)
    return lambda S: (np.asarray(S, float) @ w >= quota).astype(float)


def airport(costs) -> callable:
    """Littlechild-Owen airport (cost) game: v(S) = the runway the longest plane in S needs."""
    c = np.asarray(costs, dtype=float)
    return lambda S: (np.asarray(S) != 0).astype(float).dot(np.diag(c)).max(axis=1, initial=0.0)


def airport_closed_form(costs) -> list[Fraction]:
    """Littlechild & Owen (1973): phi_i = sum_{j<=i} (c_j - c_{j-1}) / (n - j + 1), costs sorted."""
    c = [Fraction(0)] + [Fraction(x) for x in costs]
    n = len(costs)
    return [sum((c[j] - c[j - 1]) / (n - j + 1) for j in range(1, i + 1)) for i in range(1, n + 1)]


def test_un_security_council_shapley_shubik():
    """[39; 7 x5, 1 x10]: permanent members 421/2145, non-permanent 4/2145 (Shapley-Shubik 1954;
    Straffin, Game Theory and Strategy, 1993)."""
    players = [f"P{i}" for i in range(5)] + [f"N{i}" for i in range(10)]
    res = shapley_values(weighted_voting(39, [7] * 5 + [1] * 10), players)
    assert res.method == "exact" and res.evaluations == 2 ** 15
    for p in players:
        expected = 421 / 2145 if p.startswith("P") else 4 / 2145
        assert res.values[p] == pytest.approx(expected, abs=1e-9)
    assert res.efficient and res.v_full == 1.0 and res.v_empty == 0.0


@pytest.mark.parametrize("quota, weights, expected", [
    (51, [49, 48, 3], [Fraction(1, 3)] * 3),                      # every pair wins: equal power
    (3, [2, 1, 1], [Fraction(2, 3), Fraction(1, 6), Fraction(1, 6)]),
    (4, [3, 2, 1, 1], [Fraction(1, 2)] + [Fraction(1, 6)] * 3),     # 24 orders counted by hand
])
def test_textbook_weighted_voting_games(quota, weights, expected):
    res = shapley_values(weighted_voting(quota, weights), list("ABCD"[: len(weights)]))
    assert np.allclose(res.array(), [float(e) for e in expected], atol=1e-9, rtol=0)


def test_airport_game_matches_littlechild_owen_closed_form():
    costs = [8, 11, 13, 18]
    res = shapley_values(airport(costs), ["a", "b", "c", "d"])
    assert np.allclose(res.array(), [2, 3, 4, 9], atol=1e-9, rtol=0)   # hand-checked closed form
    rng = np.random.default_rng(4)
    costs = np.sort(rng.integers(1, 100, size=12))
    res = shapley_values(airport(costs), list(range(12)))
    assert np.allclose(res.array(), [float(f) for f in airport_closed_form(costs)], atol=1e-9, rtol=0)


def test_glove_game():
    """Two left gloves, one right: (1/6, 1/6, 2/3) (the standard glove game)."""
    res = shapley_values(lambda S: np.minimum(S[:, :2].sum(axis=1), S[:, 2]), ["L1", "L2", "R"])
    assert np.allclose(res.array(), [1 / 6, 1 / 6, 2 / 3], atol=1e-9, rtol=0)


def test_sampled_values_fall_within_their_error_on_a_12_player_game():
    weights = [9, 8, 7, 7, 5, 4, 4, 3, 2, 2, 1, 1]
    game = weighted_voting(27, weights)
    exact = shapley_values(game, list(range(12)), method="exact").array()
    res = shapley_values(game, list(range(12)), method="sampled", n_samples=2000, seed=11)
    se = np.array([res.stderr[p] for p in range(12)])
    assert res.method == "sampled" and (se > 0).all()
    assert (np.abs(res.array() - exact) <= 4 * se).all()
    assert res.efficient
    assert res.evaluations < 2000 * 13      # memoised: repeated coalitions evaluated once


def test_auto_samples_beyond_the_exact_limit_and_is_reproducible():
    game = weighted_voting(60, np.arange(1, 41))
    a = shapley_values(game, list(range(40)), n_samples=200, seed=3)
    b = shapley_values(game, list(range(40)), n_samples=200, seed=np.random.default_rng(3))
    assert a.method == "sampled" and a.values == b.values and a.efficient


def test_coalition_cache_evaluates_each_coalition_once():
    calls = []

    def v(S):
        calls.append(len(S))
        return S.sum(axis=1).astype(float)

    cache = CoalitionCache(v, 3)
    out = cache(np.array([[1, 0, 1], [1, 0, 1], [0, 0, 0]]))
    again = cache(np.array([[0, 0, 0], [1, 1, 1]]))
    assert out.tolist() == [2, 2, 0] and again.tolist() == [0, 3]
    assert calls == [2, 1] and cache.evaluations == 3


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="at least one player"):
        shapley_values(lambda S: S.sum(1), [])
    with pytest.raises(ValueError, match="unknown Shapley method"):
        shapley_values(lambda S: S.sum(1), ["a"], method="magic")
    with pytest.raises(ValueError, match="returned 1 values"):
        shapley_values(lambda S: np.zeros(1), ["a", "b"])


tables = st.integers(1, 7).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.floats(-100, 100), min_size=2 ** n, max_size=2 ** n)))


@settings(max_examples=40, deadline=None)
@given(tables)
def test_efficiency_symmetry_and_null_player_on_random_games(table):
    n, values = table
    v = np.array(values)
    index = lambda S: (np.asarray(S, np.int64) << np.arange(n)).sum(axis=1)  # noqa: E731
    res = shapley_values(lambda S: v[index(S)], list(range(n)))
    assert res.efficient
    sampled = shapley_values(lambda S: v[index(S)], list(range(n)), method="sampled", n_samples=20, seed=0)
    assert sampled.efficient
    # a game where player 0 is null and the others are symmetric (v depends on |S \ {0}| only)
    by_size = np.array(values[: n + 1])
    res2 = shapley_values(lambda S: by_size[np.asarray(S)[:, 1:].sum(axis=1)], list(range(n)))
    assert abs(res2.values[0]) <= 1e-9
    assert np.allclose(res2.array()[1:], res2.array()[-1], atol=1e-9)


@pytest.mark.slow
def test_exact_path_matches_shaps_exact_explainer():
    """shap's ExactExplainer (Independent masker) is the external oracle of the fast path."""
    pytest.importorskip("shap")
    games = [(weighted_voting(39, [7] * 5 + [1] * 10), 15), (airport([3, 5, 5, 9, 12, 20]), 6),
             (weighted_voting(27, [9, 8, 7, 7, 5, 4, 4, 3, 2, 2, 1, 1]), 12)]
    for game, n in games:
        ours = shapley_values(game, list(range(n)), method="exact")
        theirs = shapley_values(game, list(range(n)), method="shap")
        assert theirs.method == "shap"
        assert np.allclose(ours.array(), theirs.array(), atol=1e-9, rtol=0)
        assert theirs.v_empty == ours.v_empty and theirs.v_full == ours.v_full
