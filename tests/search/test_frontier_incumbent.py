"""The Pareto frontier's epsilon steps solve against an incumbent (issue 24, sixth session): each MILP only
looks for a package that beats the best earlier answer (HiGHS's cutoff) and the tie-break stage holds the
total at its optimum. Every point must stay exactly Pareto-optimal and the same as solving both stages in
full on the same epsilon grid (checked against every feasible package)."""

from __future__ import annotations

import numpy as np
import pytest

import sim.search.exact as exact
import sim.search.milp as milp
import sim.search.pareto as pareto
from sim.core.rubric import build_rubric
from sim.search.enumeration import feasible_table
from sim.testing import random_scenario
from tests.search.test_search import _unit_items


@pytest.fixture()
def improvements(monkeypatch):
    """Record each `improve` call: which stage (total or worst) and whether it beat the known value."""
    calls: list[tuple[str, bool]] = []
    real = milp.PackageMILP.improve

    def recorded(self, expr, known, first=False):
        answer = real(self, expr, known, first)
        calls.append(("worst" if not np.any(expr[0]) else "total", answer is not None))
        return answer
    monkeypatch.setattr(milp.PackageMILP, "improve", recorded)
    return calls


def full_step(rubric, t, found):
    """The epsilon step as it was: max total with every group >= t, then max worst at that total, no incumbent."""
    model, V = milp.PackageMILP(rubric), rubric.values
    for v_g in V:
        model.row(v_g, {}, lb=float(t))
    worst = model.min_var(V, np.zeros(len(V)))
    return milp.lexmax(model, [(V.sum(axis=0), {}), (np.zeros(rubric.n_items), {worst: 1.0})])


def milp_frontier(rubric, max_points, step=None):
    exact.cached(rubric).optimise("utilitarian", method="milp")       # both sides take the ends from the memo
    exact.cached(rubric).optimise("maximin", method="milp")
    if step is None:
        return exact.pareto_frontier(rubric, method="milp", max_points=max_points)
    real = pareto._epsilon_step
    pareto._epsilon_step = step
    try:            # the reference: each step solved in turn, both stages (no deferred tie-breaks)
        return pareto.pareto_frontier(rubric, method="milp", max_points=max_points, defer=False, ends=lambda: (
            exact.cached(rubric).optimise("utilitarian", method="milp"), exact.cached(rubric).optimise("maximin", method="milp")))
    finally:
        pareto._epsilon_step = real


@pytest.mark.parametrize("seed", range(4))
def test_improve_answers_only_above_the_known_value(seed):
    rubric = build_rubric(random_scenario(seed, 14, 3))
    total = (rubric.values.sum(axis=0), {})
    best = float(feasible_table(rubric)[1].sum(axis=1).max())
    found = milp.PackageMILP(rubric).improve(total, best - 1.0)
    assert found is not None and found[1] == pytest.approx(best, abs=1e-6)
    assert float(rubric.utilities(found[0]).sum()) == pytest.approx(best, abs=1e-6)
    for known in (best, best + 0.5, best + 50.0):           # nothing beats these: HiGHS may still answer a worse package
        model = milp.PackageMILP(rubric)
        assert model.improve(total, known) is None
        assert model.details()["all_optimal"]


@pytest.mark.parametrize("max_points", [5, 9, 50])
@pytest.mark.parametrize("seed,n_items,n_groups", [(0, 14, 3), (1, 16, 5), (2, 12, 2), (3, 18, 4), (5, 15, 6), (8, 16, 3)])
def test_every_frontier_point_is_pareto_optimal_and_the_grid_gives_the_same_points(seed, n_items, n_groups, max_points):
    rubric = build_rubric(random_scenario(seed, n_items, n_groups))
    points = milp_frontier(rubric, max_points)
    X, U = feasible_table(rubric)
    for p in points:
        u = rubric.utilities(p.package)
        assert rubric.feasible_mask(p.package[None])[0]
        assert (p.total, p.worst_group) == pytest.approx((u.sum(), u.min()))
        dominating = (U >= u - 1e-9).all(axis=1) & (U > u + 1e-9).any(axis=1)
        assert not dominating.any(), (p.total, p.worst_group)
    reference = milp_frontier(build_rubric(random_scenario(seed, n_items, n_groups)), max_points, full_step)
    assert np.allclose([(p.total, p.worst_group) for p in points],
                       [(p.total, p.worst_group) for p in reference], atol=1e-9)
    if max_points == 50:                          # few enough points: the MILP frontier is the exact one
        exact_points = pareto.frontier_of(rubric, X, U)
        assert np.allclose([(p.total, p.worst_group) for p in points],
                           [(p.total, p.worst_group) for p in exact_points], atol=1e-9)


def test_the_tie_break_stage_still_raises_the_worst_group(improvements):
    """Items (7, 2) and (6, 3) tie on the total 9; HiGHS answers (7, 2) first, the tie-break moves to (6, 3)."""
    rubric = _unit_items((10, 0), (7, 2), (6, 3), (4, 4), (3, 3), (5, 2), (8, 1))
    points = milp_frontier(rubric, 50)
    assert [(p.total, p.worst_group) for p in points] == [(10, 0), (9, 3), (8, 4)]
    assert [p.package.tolist().index(1) for p in points] == [0, 2, 3]
    assert ("worst", True) in improvements            # the path under test was taken


def test_a_found_package_nothing_beats_is_the_answer_after_one_solve(improvements):
    rubric = build_rubric(random_scenario(4, 16, 4))
    memo = exact.cached(rubric)
    util, fair = memo.optimise("utilitarian", method="milp"), memo.optimise("maximin", method="milp")
    improvements.clear()
    x = pareto._epsilon_step(rubric, fair.score[0], [util.package, fair.package])
    assert x is fair.package and improvements == [("total", False)]
    below = float(rubric.utilities(util.package).min())        # the utilitarian end keeps every group >= its own worst
    x = pareto._epsilon_step(rubric, below, [fair.package, util.package])
    assert x is util.package and improvements[1:] == [("total", False)]
