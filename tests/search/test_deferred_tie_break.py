"""The Pareto frontier defers its tie-break stages (issue 24, ninth session): a step's tie-break (max worst
group at the step's total) is solved only when neither another step (`_proven`) nor a feasibility solve
(`_cannot_move`) shows that no package reaches the step's total with a higher worst group; if one moves its
point, the frontier is traced again with every tie-break in turn. The frontier must be the reference's
(`defer=False`), package for package, and the exact one when it is small (checked against every package)."""

from __future__ import annotations

import numpy as np
import pytest

import sim.search.exact as exact
import sim.search.pareto as pareto
from sim.core.rubric import build_rubric
from sim.search.enumeration import feasible_table
from sim.testing import random_scenario
from tests.search.test_search import _unit_items


def frontier(rubric, max_points, defer):
    memo = exact.cached(rubric)
    return pareto.pareto_frontier(rubric, method="milp", max_points=max_points, defer=defer, ends=lambda: (
        memo.optimise("utilitarian", method="milp"), memo.optimise("maximin", method="milp")))


@pytest.fixture()
def tie_breaks(monkeypatch):
    """Count the tie-break stages solved and the retraces (a deferred tie-break that moved its point)."""
    count = {"solved": 0, "traces": 0}
    solve, trace = pareto._tie_break, pareto._trace

    def solved(*args):
        count["solved"] += 1
        return solve(*args)

    def traced(*args):
        count["traces"] += 1
        return trace(*args)
    monkeypatch.setattr(pareto, "_tie_break", solved)
    monkeypatch.setattr(pareto, "_trace", traced)
    return count


@pytest.mark.parametrize("max_points", [6, 50])
@pytest.mark.parametrize("seed,n_items,n_groups", [(0, 14, 3), (1, 16, 5), (3, 18, 4), (6, 15, 2), (9, 17, 6)])
def test_deferred_frontier_is_the_reference_and_the_exact_one(seed, n_items, n_groups, max_points, tie_breaks):
    rubric = build_rubric(random_scenario(seed, n_items, n_groups))
    reference = frontier(rubric, max_points, defer=False)
    eager = dict(tie_breaks)
    points = frontier(rubric, max_points, defer=True)
    assert [(p.total, p.worst_group) for p in points] == [(p.total, p.worst_group) for p in reference]
    for p, q in zip(points, reference):
        np.testing.assert_array_equal(p.package, q.package)
    if tie_breaks["traces"] - eager["traces"] == 1:      # no tie-break moved: no more solved than the reference's
        assert tie_breaks["solved"] - eager["solved"] <= eager["solved"]
    if max_points == 50:
        X, U = feasible_table(rubric)
        assert np.allclose([(p.total, p.worst_group) for p in points],
                           [(p.total, p.worst_group) for p in pareto.frontier_of(rubric, X, U)], atol=1e-9)


def test_the_deferred_tie_breaks_are_mostly_not_solved(tie_breaks):
    """On a 40-item scenario most tie-breaks are settled without their own solve (one trace, no retrace)."""
    rubric = build_rubric(random_scenario(1, 40, 8))
    reference = frontier(rubric, 50, defer=False)
    eager = tie_breaks["solved"]
    points = frontier(rubric, 50, defer=True)
    assert [p.total for p in points] == [p.total for p in reference]
    assert tie_breaks["traces"] == 2 and eager >= 5 and tie_breaks["solved"] - eager < eager / 2


def test_a_60_item_frontier_whose_deferred_tie_break_moves_is_the_reference(tie_breaks):
    rubric = build_rubric(random_scenario(5, 60, 8))
    reference = frontier(rubric, 50, defer=False)
    points = frontier(rubric, 50, defer=True)
    assert tie_breaks["traces"] == 3                        # the deferred trace, then the eager one again
    assert [(p.total, p.worst_group) for p in points] == [(p.total, p.worst_group) for p in reference]
    for p, q in zip(points, reference):
        np.testing.assert_array_equal(p.package, q.package)


def test_a_tie_break_that_moves_its_point_retraces_with_the_same_frontier(tie_breaks):
    """Items (7, 2) and (6, 3) tie on the total 9; the deferred path must notice that (6, 3) is the point."""
    rubric = _unit_items((10, 0), (7, 2), (6, 3), (4, 4), (3, 3), (5, 2), (8, 1))
    points = frontier(rubric, 50, defer=True)
    assert [(p.total, p.worst_group) for p in points] == [(10, 0), (9, 3), (8, 4)]
    assert [p.package.tolist().index(1) for p in points] == [0, 2, 3]


def step(rubric, item, t):
    x = np.zeros(rubric.n_items, dtype=np.int8)
    x[item] = 1
    model = pareto.PackageMILP(rubric)
    return pareto._Step(t, x, float(rubric.utilities(x).sum()), (model, model.min_var(rubric.values, np.zeros(2))))


def test_cannot_move_only_when_no_package_reaches_the_total_higher():
    rubric = _unit_items((10, 0), (7, 2), (6, 3), (4, 4), (3, 3), (5, 2), (8, 1))
    assert not pareto._cannot_move(rubric, step(rubric, 1, 1.5), 1.0)      # (6, 3) has the total 9 and worst 3
    assert pareto._cannot_move(rubric, step(rubric, 2, 1.5), 1.0)          # nothing with worst >= 4 reaches 9
    assert not pareto._cannot_move(rubric, step(rubric, 6, 0.5), 1.0)      # (8, 1): (7, 2) reaches 9 with worst 2


def test_proven_by_a_lower_total_just_above_the_worst_group():
    rubric = _unit_items((10, 0), (7, 2), (6, 3), (4, 4), (3, 3), (5, 2), (8, 1))
    s = step(rubric, 1, 1.5)                                   # (7, 2): total 9, worst 2
    x = np.zeros(rubric.n_items, dtype=np.int8)
    assert not pareto._proven(rubric, s, [s], 1.0)
    assert pareto._proven(rubric, s, [s, pareto._Step(2.5, x, 8.0)], 1.0)
    assert pareto._proven(rubric, s, [s, pareto._Step(3.0, x, 8.0)], 1.0)
    assert not pareto._proven(rubric, s, [s, pareto._Step(2.5, x, 9.0)], 1.0)          # the same total: it may move
    assert not pareto._proven(rubric, s, [s, pareto._Step(3.5, x, 8.0)], 1.0)          # above w + unit: (6, 3) unseen
    assert not pareto._proven(rubric, s, [s, pareto._Step(2.0, x, 8.0)], 1.0)          # not above w
    assert not pareto._proven(rubric, s, [s, pareto._Step(2.5, x, 8.0, exact=False)], 1.0)   # a solve not optimal
