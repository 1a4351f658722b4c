"""The MILP Pareto frontier skips an epsilon step's tie-break solve when an earlier answer already reaches
the step's total (issue 24, item 3): the same frontier, fewer MILPs."""

from __future__ import annotations

import numpy as np
import pytest

import sim.search.exact as exact
import sim.search.milp as milp
from sim.core.rubric import build_rubric
from sim.testing import random_scenario


@pytest.fixture()
def solves(monkeypatch):
    """Count HiGHS solves."""
    count = [0]
    real = milp.PackageMILP._run

    def counted(self, expr):
        count[0] += 1
        return real(self, expr)
    monkeypatch.setattr(milp.PackageMILP, "_run", counted)
    return count


def frontier(rubric, solves, skip: bool):
    """The MILP frontier (fresh, uncached) and the solves it took; skip=False hides earlier answers."""
    step = exact._epsilon_step
    if not skip:
        exact._epsilon_step = lambda rub, t, found: step(rub, t, [])
    try:
        before = solves[0]
        points = exact.pareto_frontier(rubric, method="milp", max_points=20)
        return points, solves[0] - before
    finally:
        exact._epsilon_step = step


@pytest.mark.parametrize("seed,n_items,n_groups", [(0, 24, 4), (1, 30, 6), (2, 26, 3), (5, 22, 8)])
def test_same_frontier_with_fewer_solves(seed, n_items, n_groups, solves):
    full = build_rubric(random_scenario(seed, n_items, n_groups))
    exact.cached(full).optimise("utilitarian", method="milp")     # both sides take the ends from the memo
    exact.cached(full).optimise("maximin", method="milp")
    reference, reference_solves = frontier(full, solves, skip=False)
    points, skipped_solves = frontier(full, solves, skip=True)
    assert [(p.total, p.worst_group) for p in points] == [(p.total, p.worst_group) for p in reference]
    for p, q in zip(points, reference):
        np.testing.assert_array_equal(p.package, q.package)
    assert skipped_solves < reference_solves


def test_an_earlier_answer_below_the_total_is_not_reused(solves):
    """A found package with every group >= t but a smaller total than the step's optimum: both solves run."""
    rubric = build_rubric(random_scenario(3, 24, 4))
    empty = np.zeros(rubric.n_items, dtype=np.int8)
    before = solves[0]
    x = exact._epsilon_step(rubric, float(rubric.utilities(empty).min()), [empty])
    assert solves[0] - before == 2 and rubric.utilities(x).sum() > rubric.utilities(empty).sum()
