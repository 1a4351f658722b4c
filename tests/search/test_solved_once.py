"""A MILP asked twice in a process is solved once (`sim.search.milp.SOLVED`, issue 24 seventh session): the
answer must be the one a fresh solve gives, and any change of objective, rows, bounds or options is a new model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sim.search.milp as milp
from sim.core.rubric import build_rubric
from sim.search.enumeration import feasible_table
from sim.testing import random_scenario


@pytest.fixture()
def highs_calls(monkeypatch):
    """Count real HiGHS solves, starting from an empty cache."""
    calls = [0]
    real = milp._highs

    def counted(model, options):
        calls[0] += 1
        return real(model, options)
    monkeypatch.setattr(milp, "_highs", counted)
    monkeypatch.setattr(milp, "SOLVED", milp.LRU(milp.SOLVED_SIZE))
    return calls


def _best_total(rubric):
    return float(feasible_table(rubric)[1].sum(axis=1).max())


def test_the_same_model_is_solved_once_with_the_same_answer(highs_calls):
    rubric = build_rubric(random_scenario(1, 14, 3))
    total = (rubric.values.sum(axis=0), {})
    first = milp.PackageMILP(rubric).solve(total)
    calls = highs_calls[0]                  # 1, or 2 when the budget row had to be tightened
    again = milp.PackageMILP(rubric).solve(total)
    assert highs_calls[0] == calls
    assert np.array_equal(first[0], again[0]) and first[1] == again[1] == pytest.approx(_best_total(rubric))


def test_a_cutoff_is_a_new_model(highs_calls):
    """improve (HiGHS's cutoff above the optimum: no answer) must not answer the plain solve that follows."""
    rubric = build_rubric(random_scenario(2, 14, 3))
    total, best = (rubric.values.sum(axis=0), {}), _best_total(rubric)
    assert milp.PackageMILP(rubric).improve(total, best + 1.0) is None
    assert milp.PackageMILP(rubric).solve(total)[1] == pytest.approx(best)
    assert highs_calls[0] == 2


@pytest.mark.parametrize("seed", range(4))
def test_rows_bounds_and_objective_are_part_of_the_model(seed, highs_calls):
    rubric = build_rubric(random_scenario(seed, 13, 3))
    smaller = dataclasses.replace(rubric, budget=rubric.budget * 0.6)
    for r in (rubric, smaller, rubric, smaller):
        assert milp.PackageMILP(r).solve((r.values.sum(axis=0), {}))[1] == pytest.approx(_best_total(r))
        assert milp.PackageMILP(r).solve((r.values[0], {}))[1] == pytest.approx(float(feasible_table(r)[1][:, 0].max()))
    model = milp.PackageMILP(rubric)
    model.lo[0] = 1.0                                           # item 0 forced in: a column bound
    X, U = feasible_table(rubric)
    forced = U[X[:, 0] == 1].sum(axis=1).max()
    assert model.solve((rubric.values.sum(axis=0), {}))[1] == pytest.approx(float(forced))
    assert highs_calls[0] == 5


def test_the_node_limit_stays_in_every_solve(highs_calls):
    """scipy's milp pops `node_limit` from the options it is given; MILP_OPTIONS must keep it for the next solve."""
    rubric = build_rubric(random_scenario(3, 12, 2))
    for objective in (rubric.values.sum(axis=0), rubric.values[0], rubric.values[1]):
        milp.PackageMILP(rubric).solve((objective, {}))
    assert milp.MILP_OPTIONS["node_limit"] == 100_000
