"""Leximin by levels (issue 24, item 1): a few MILPs per distinct level with earlier levels as lazy cuts
give the same leximin vector as brute force, and the dense formulation stays as the fallback."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings

import sim.search.leximin as lex
from sim.core.rubric import build_rubric
from sim.search.exact import optimise
from sim.search.milp import InfeasibleMILP
from sim.testing import random_scenario
from sim.testing.strategies import scenarios


def brute_leximin(rubric) -> np.ndarray:
    """The best sorted utility vector over every feasible package (tuples compared after rounding)."""
    X = np.array(list(itertools.product((0, 1), repeat=rubric.n_items)), dtype=np.int8)
    X = X[rubric.feasible_mask(X)]
    S = np.sort(rubric.utilities(X), axis=1)
    best = max(range(len(S)), key=lambda i: tuple(np.round(S[i], 7)))
    return S[best]


def levels_vector(rubric) -> tuple[np.ndarray, dict]:
    x, details = lex.leximin_levels(rubric)
    assert rubric.feasible_mask(x[None])[0]
    return np.sort(rubric.utilities(x)), details


@pytest.mark.parametrize("seed,n_items,n_groups", [(s, n, g) for s in range(8) for n, g in ((6, 3), (9, 5), (11, 7))])
def test_levels_equal_brute_force(seed, n_items, n_groups):
    rubric = build_rubric(random_scenario(seed, n_items, n_groups))
    got, details = levels_vector(rubric)
    np.testing.assert_allclose(got, brute_leximin(rubric), atol=1e-6)
    assert details["formulation"] == "levels" and details["all_optimal"]
    distinct = len(np.unique(np.round(got, 7)))
    assert distinct <= details["solves"] <= 3 * n_groups     # one solve per distinct level at least


@pytest.mark.parametrize("seed,n_items,n_groups,cut", [(10, 8, 4, 2), (24, 8, 4, 3), (29, 10, 6, 2)])
def test_an_answer_that_breaks_an_earlier_level_adds_it_back(seed, n_items, n_groups, cut):
    """Known cases where a stage's first answer lowers an earlier level: the cut is added and the answer is exact."""
    rubric = build_rubric(random_scenario(seed, n_items, n_groups))
    got, details = levels_vector(rubric)
    assert details["level_cuts"] == [cut]
    np.testing.assert_allclose(got, brute_leximin(rubric), atol=1e-6)


@pytest.mark.parametrize("seed,n_items,n_groups", [(3, 10, 8), (11, 8, 6), (90, 10, 8), (97, 12, 10)])
def test_an_answer_with_too_many_groups_at_a_level_is_replaced(seed, n_items, n_groups, monkeypatch):
    """Known cases where a level's first answer holds more groups at the level than needed: the proof solve
    finds one with fewer, and the result is still exact."""
    replaced = []
    settle = lex._Levels.settle

    def spy(self, x, sums):
        out = settle(self, x, sums)
        replaced.append(out[0] is not x)
        return out
    monkeypatch.setattr(lex._Levels, "settle", spy)
    rubric = build_rubric(random_scenario(seed, n_items, n_groups))
    got, details = levels_vector(rubric)
    assert any(replaced) and details["solves"] < 2 * n_groups
    np.testing.assert_allclose(got, brute_leximin(rubric), atol=1e-6)


@pytest.mark.parametrize("seed,most", [(0, 2), (1, 31)])
def test_tied_levels_take_fewer_solves_than_positions(seed, most):
    """Groups share levels (32 groups, 20 items; seed 0 every group at one level): fewer solves than
    groups, the same leximin vector as the dense formulation (one stage per group)."""
    rubric = build_rubric(random_scenario(seed, 20, 32))
    got, details = levels_vector(rubric)
    assert details["solves"] <= most
    dense, _ = lex.leximin_dense(rubric)
    np.testing.assert_allclose(got, np.sort(rubric.utilities(dense)), atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(scenarios(max_items=9, max_groups=6))
def test_levels_property_equal_to_brute_force(scenario):
    rubric = build_rubric(scenario)
    np.testing.assert_allclose(levels_vector(rubric)[0], brute_leximin(rubric), atol=1e-6)


def test_milp_leximin_uses_levels_and_matches_the_dense_formulation():
    rubric = build_rubric(random_scenario(3, 24, 12))
    result = optimise(rubric, "leximin", method="milp")
    assert result.details["formulation"] == "levels"
    dense, details = lex.leximin_dense(rubric)
    assert details["formulation"] == "dense"
    np.testing.assert_allclose(result.score, np.sort(rubric.utilities(dense)), atol=1e-6)


def test_an_infeasible_level_falls_back_to_the_dense_formulation(monkeypatch):
    rubric = build_rubric(random_scenario(1, 8, 4))

    def infeasible(_rubric):
        raise InfeasibleMILP("level proved infeasible")
    monkeypatch.setattr(lex, "leximin_levels", infeasible)
    x, details = lex.leximin(rubric)
    assert details["formulation"] == "dense" and details["fallback"] == "dense"
    np.testing.assert_allclose(np.sort(rubric.utilities(x)), brute_leximin(rubric), atol=1e-6)
