"""Fewer MILPs, the same answers (issue 24): the Pareto frontier skips an epsilon step's tie-break solve
when an earlier answer already reaches the step's total; the ideal point is the first solve of each
group's best package, solved once for both."""

from __future__ import annotations

import numpy as np
import pytest

import sim.search.exact as exact
import sim.search.milp as milp
import sim.search.pareto as pareto
from sim.core.rubric import build_rubric
from sim.testing import random_scenario


@pytest.fixture()
def solves(monkeypatch):
    """Count HiGHS solves."""
    count = [0]
    real = milp.PackageMILP._run

    def counted(self, *args):
        count[0] += 1
        return real(self, *args)
    monkeypatch.setattr(milp.PackageMILP, "_run", counted)
    return count


def frontier(rubric, solves, skip: bool):
    """The MILP frontier (fresh, uncached) and the solves it took; skip=False hides earlier answers."""
    step = pareto._deferred_step            # the eager and the deferred steps both start here
    if not skip:
        pareto._deferred_step = lambda rub, t, found: step(rub, t, [])
    try:
        before = solves[0]
        points = exact.pareto_frontier(rubric, method="milp", max_points=20)
        return points, solves[0] - before
    finally:
        pareto._deferred_step = step


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
    x = pareto._epsilon_step(rubric, float(rubric.utilities(empty).min()), [empty])
    assert solves[0] - before == 2 and rubric.utilities(x).sum() > rubric.utilities(empty).sum()


def shared_model_ideal(rubric) -> np.ndarray:
    """The ideal point as it was computed before the sharing: one model, one solve per group."""
    model = milp.PackageMILP(rubric)
    return np.array([rubric.utilities(model.solve((v_g, {}))[0])[g] for g, v_g in enumerate(rubric.values)])


@pytest.mark.parametrize("seed,n_items,n_groups", [(0, 24, 4), (1, 30, 6), (4, 40, 8)])
def test_ideal_point_shares_the_group_best_solves(seed, n_items, n_groups, solves):
    rubric = build_rubric(random_scenario(seed, n_items, n_groups))
    reference = shared_model_ideal(rubric)
    bests = [exact.best_for_group(rubric, g, method="milp") for g in range(n_groups)]
    cache = exact.SearchCache(rubric)
    before = solves[0]
    ideal = cache.ideal_point(method="milp")
    shared = [cache.best_for_group(g, method="milp") for g in range(n_groups)]
    assert solves[0] - before == 2 * n_groups                 # not 3 per group
    np.testing.assert_array_equal(ideal, reference)
    np.testing.assert_array_equal(exact.ideal_point(rubric, method="milp"), reference)
    for ours, theirs in zip(shared, bests):
        np.testing.assert_array_equal(ours.package, theirs.package)
    assert all(ideal[g] >= b.utilities[g] - 1e-9 * max(1.0, abs(ideal[g])) for g, b in enumerate(bests))


@pytest.mark.parametrize("order", [("maximin", "nash"), ("nash", "maximin")])
@pytest.mark.parametrize("seed,n_items,n_groups", [(0, 24, 4), (2, 30, 6), (6, 36, 5)])
def test_maximin_and_nash_share_their_first_solve(seed, n_items, n_groups, order, solves):
    """With a zero disagreement point the Nash search starts from max min_g u_g, the maximin's first stage."""
    alone = {}
    for objective in ("maximin", "nash"):                 # each on its own rubric object: nothing shared
        rubric = build_rubric(random_scenario(seed, n_items, n_groups))
        exact.ideal_point(rubric, method="milp")
        before = solves[0]
        alone[objective] = (exact.optimise(rubric, objective, method="milp").package, solves[0] - before)
    rubric = build_rubric(random_scenario(seed, n_items, n_groups))
    exact.ideal_point(rubric, method="milp")
    before = solves[0]
    shared = {o: exact.optimise(rubric, o, method="milp").package for o in order}
    assert solves[0] - before == alone["maximin"][1] + alone["nash"][1] - 1
    for objective in shared:
        np.testing.assert_array_equal(shared[objective], alone[objective][0])


def test_a_negative_zero_bound_gives_the_same_first_answer():
    """Nash's start had rows bounded by -d = -0.0, the maximin's by 0.0: HiGHS answers both alike."""
    for seed in range(4):
        rubric = build_rubric(random_scenario(seed, 40, 6))
        V, answers = rubric.values, []
        for b in (-np.zeros(len(V)), np.zeros(len(V))):
            model = milp.PackageMILP(rubric)
            answers.append(model.solve((np.zeros(rubric.n_items), {model.min_var(V, b): 1.0})))
        np.testing.assert_array_equal(answers[0][0], answers[1][0])
        assert answers[0][1] == answers[1][1]


@pytest.mark.parametrize("seed,n_items", [(0, 12), (3, 16), (7, 18)])
def test_one_group_is_one_solve_at_the_brute_force_optimum(seed, n_items, solves):
    """One group: the worst group is the total, so the utilitarian MILP solves once (the weight directions and
    the vote optima are one-group rubrics) and still reaches the best utility of every feasible package."""
    objective = "utilitarian"
    rubric = build_rubric(random_scenario(seed, n_items, 1))
    before = solves[0]
    found = exact.optimise(rubric, objective, method="milp")
    assert solves[0] - before == 1
    brute = exact.optimise(rubric, objective, method="enumeration")
    assert found.package @ rubric.values[0] == pytest.approx(brute.package @ rubric.values[0], abs=1e-6)
    two = build_rubric(random_scenario(seed, n_items, 2))
    before = solves[0]
    exact.optimise(two, objective, method="milp")
    assert solves[0] - before >= 2                       # two groups: the second stage is a real tie-break
