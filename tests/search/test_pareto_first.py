"""The run's Pareto check by MILP stops at the first package that keeps every group and raises the total
(issue 24, seventh session): it must answer exactly what enumerating every feasible package answers, and
decide most packages without the full `dominating_package` search."""

from __future__ import annotations

import numpy as np
import pytest

import sim.search.pareto as pareto
from sim.core.rubric import build_rubric
from sim.search.enumeration import feasible_table
from sim.testing import random_scenario


def _packages(rubric, rng, n=12):
    """Random feasible packages (mostly dominated) and the frontier's own (never dominated)."""
    X, _ = feasible_table(rubric)
    picked = X[rng.choice(len(X), size=min(n, len(X)), replace=False)]
    frontier = np.array([p.package for p in pareto.frontier_of(rubric, X)])
    return np.vstack([picked, frontier])


@pytest.mark.parametrize("seed", range(8))
def test_pareto_check_equals_brute_force(seed):
    rubric = build_rubric(random_scenario(seed, 12 + seed % 5, 2 + seed % 4))
    X, U = feasible_table(rubric)
    answers = []
    for x in _packages(rubric, np.random.default_rng(seed)):
        ux = rubric.utilities(x)
        expected = not pareto._dominates(U, ux).any()
        assert pareto.is_pareto_optimal(rubric, x, method="milp") == expected
        answers.append(expected)
    assert any(answers) and not all(answers)           # both answers are exercised


@pytest.mark.parametrize("seed", range(6))
def test_first_package_decides_without_the_full_search(seed, monkeypatch):
    """A dominated package is answered by the first package found, a frontier package by the cutoff solve:
    `dominating_package` (the fallback) is never needed on these rubrics."""
    rubric = build_rubric(random_scenario(seed, 14, 3))
    packages = _packages(rubric, np.random.default_rng(seed))

    def fallback(*args, **kwargs):
        raise AssertionError("the full dominance search was needed")
    monkeypatch.setattr(pareto, "dominating_package", fallback)
    X, U = feasible_table(rubric)
    for x in packages:
        assert pareto.is_pareto_optimal(rubric, x, method="milp") == (not pareto._dominates(U, rubric.utilities(x)).any())


def test_infeasible_package_beyond_every_package_is_not_dominated():
    rubric = build_rubric(random_scenario(3, 12, 3))
    everything = np.ones(rubric.n_items, dtype=np.int8)
    assert pareto.is_pareto_optimal(rubric, everything, method="milp") == pareto.is_pareto_optimal(
        rubric, everything, method="enumeration")
