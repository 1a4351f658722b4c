"""The (total, worst_group) Pareto frontier and Pareto dominance over feasible packages.

By enumeration the frontier is exact; by MILP it is traced from its two ends (the utilitarian and
maximin optima) by epsilon-constraint steps. `dominating_package` finds a package that Pareto-
dominates a given one (the run's Pareto check). `sim.search.exact` memoises both per rubric.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from sim.core.rubric import Rubric
from sim.search.enumeration import feasible_table, resolve_method
from sim.search.milp import InfeasibleMILP, PackageMILP, fix_slack, lattice
from sim.search.objectives import lex_argmax

DOMINANCE_TOL = 1e-9           # Pareto dominance tolerance on group utilities

__all__ = ["DOMINANCE_TOL", "FrontierPoint", "dominating_package", "frontier_of", "is_pareto_optimal", "pareto_frontier"]


@dataclass(frozen=True)
class FrontierPoint:
    """One non-dominated (total, worst_group) point and a package achieving it."""

    total: float
    worst_group: float
    package: np.ndarray


def frontier_of(rubric: Rubric, X: np.ndarray, U: np.ndarray | None = None) -> list[FrontierPoint]:
    """Non-dominated (total, worst) points of the rows of X, one package each, by worst_group."""
    U = rubric.utilities(X) if U is None else U
    T, W = U.sum(axis=1), U.min(axis=1)
    Tr, Wr = np.round(T, 9), np.round(W, 9)      # merge float noise of equal points
    order = np.lexsort((np.arange(len(X)), -Tr, -Wr))
    Ts = Tr[order]
    previous = np.concatenate([[-np.inf], np.maximum.accumulate(Ts)[:-1]])
    keep = order[Ts > previous][::-1]
    points = [FrontierPoint(float(T[i]), float(W[i]), X[i].copy()) for i in keep]
    for p in points:
        p.package.setflags(write=False)
    return points


def pareto_frontier(rubric: Rubric, *, ends: Callable[[], tuple[Any, Any]], method: str = "auto",
                    max_points: int = 50, defer: bool = True) -> list[FrontierPoint]:
    """Non-dominated (total, worst_group) points sorted by worst_group.

    Enumeration gives the exact set (max_points is ignored). MILP finds the utilitarian and
    maximin ends, then runs at most max_points - 2 epsilon-constraint solves (max total s.t.
    every u_g >= t, then max worst): first on a grid of thresholds t between the two ends,
    then on thresholds just above each point found (by 1e-5 relative, above HiGHS's
    feasibility tolerance), so a frontier of up to about max_points points comes out exactly.
    `ends()` gives the two ends' search results (`sim.search.exact.pareto_frontier` passes its memo's).
    `defer`: each step's tie-break stage waits until the trace is done and is solved only when no other
    step proves it cannot move the point (`_settle`); if one moves, the frontier is traced again with
    every tie-break in turn. The same frontier either way (`defer=False` is the reference).
    """
    if resolve_method(rubric, method) == "enumeration":
        return frontier_of(rubric, *feasible_table(rubric))
    util, fair = ends()
    found = _settle(rubric, _trace(rubric, util, fair, max_points, _deferred_step)) if defer else None
    if found is None:
        found = [s.package for s in _trace(rubric, util, fair, max_points, _eager_step)]
    X = np.array([util.package, fair.package] + found, dtype=np.int8)
    return frontier_of(rubric, X[rubric.feasible_mask(X)])


@dataclass(frozen=True)
class _Step:
    """One epsilon step: its threshold, its answer and the optimal total at t.

    `pending`: its tie-break stage not yet solved (the model with the total stage solved, the worst-group
    column), None when settled; `exact`: every solve of the step was optimal.
    """

    t: float
    package: np.ndarray
    total: float
    pending: tuple[PackageMILP, int] | None = None
    exact: bool = True


def _trace(rubric: Rubric, util: Any, fair: Any, max_points: int,
           step: Callable[[Rubric, float, list[np.ndarray]], _Step]) -> list[_Step]:
    """The epsilon steps: the grid between the two ends, then the thresholds just above each point found."""
    lo, hi = float(util.utilities.min()), fair.score[0]
    found, covered = [util.package, fair.package], [(-np.inf, lo), (hi, np.inf)]
    queue = list(np.linspace(lo, hi, max(max_points, 2))[1:-1])      # max_points - 2 inside
    steps: list[_Step] = []

    def is_open(t: float) -> bool:     # thresholds in a solved [t0, worst] give known answers
        return t <= hi and not any(a <= t <= b for a, b in covered)
    for _ in range(max_points - 2):
        queue = [t for t in queue if is_open(t)] or [
            t for t in sorted(b + 1e-5 * max(1.0, abs(b)) for _, b in covered) if is_open(t)]
        if not queue:
            break
        t = queue.pop(0)
        steps.append(step(rubric, t, found))
        found.append(steps[-1].package)
        covered.append((t, float(rubric.utilities(found[-1]).min())))
    return steps


def _settle(rubric: Rubric, steps: list[_Step]) -> list[np.ndarray] | None:
    """The steps' packages once every deferred tie-break is settled; None when one moves its point.

    A tie-break at step s looks for a package with the step's total and a higher worst group. When every
    group's utility lies on a lattice of step 1/L (`lattice`), such a package has worst >= w + 1/L (w: the
    answer's worst group), so it keeps every group >= t' for any threshold t' in (w, w + 1/L]; if an optimal
    step at such a t' found a lower total, there is none, and the stage is not solved.
    """
    scale = lattice(rubric.values, np.zeros(rubric.n_groups))
    out = []
    for s in steps:
        if s.pending is not None and (scale is None or not (_proven(rubric, s, steps, 1.0 / scale)
                                                             or _cannot_move(rubric, s, 1.0 / scale))):
            if not np.array_equal(_tie_break(rubric, s), s.package):
                return None
        out.append(s.package)
    return out


def _proven(rubric: Rubric, s: _Step, steps: list[_Step], unit: float) -> bool:
    """True when an optimal step at a threshold in (w, w + unit] has a total below s's (both -+ fix_slack)."""
    w = float(rubric.utilities(s.package).min())
    return any(w < o.t <= w + unit and o.exact and o.total + fix_slack(o.total) < s.total - fix_slack(s.total)
               for o in steps)


def _cannot_move(rubric: Rubric, s: _Step, unit: float) -> bool:
    """True when no package keeps every group >= w + unit with a total above s's minus unit / 2 (HiGHS proved it).

    Totals lie on the same lattice as the groups' utilities, so such a package would reach s's total.
    """
    model, V = PackageMILP(rubric), rubric.values
    w = float(rubric.utilities(s.package).min())
    for v_g in V:
        model.row(v_g, {}, lb=w + unit - fix_slack(w + unit))
    found = model.improve((V.sum(axis=0), {}), s.total - 0.5 * unit - fix_slack(s.total), first=True)
    return found is None and model.statuses[-1] == 0


def _epsilon_step(rubric: Rubric, t: float, found: list[np.ndarray]) -> np.ndarray:
    """Max total subject to every group utility >= t; ties broken by the worst group (`_deferred_step`, then `_tie_break`)."""
    s = _deferred_step(rubric, t, found)
    return s.package if s.pending is None else _tie_break(rubric, s)


def _eager_step(rubric: Rubric, t: float, found: list[np.ndarray]) -> _Step:
    x = _epsilon_step(rubric, t, found)
    return _Step(t, x, float(rubric.utilities(x).sum()))


def _deferred_step(rubric: Rubric, t: float, found: list[np.ndarray]) -> _Step:
    """The epsilon step's total stage: max total subject to every group utility >= t; the tie-break pending.

    `found` are earlier answers of the frontier (its two ends, earlier steps), each lexicographically
    best (total, worst) or (worst, total) for its own threshold; the maximin end keeps every group >= t.
    The best of them for this step (highest total among those keeping every group >= t, then highest
    worst) is the incumbent: each solve only looks for a package that beats it (`PackageMILP.improve`,
    HiGHS's cutoff), first on the total, then (`_tie_break`) on the worst group with the total held at the
    optimum found (-+ FIX_TOL). When nothing beats it the incumbent is the step's answer: a found package that
    reaches the step's total is also its best worst group (the feasible sets are nested). The same
    frontier point as solving both stages in full.
    """
    model, V = PackageMILP(rubric), rubric.values
    for v_g in V:
        model.row(v_g, {}, lb=float(t))
    worst = model.min_var(V, np.zeros(len(V)))
    x = _incumbent(rubric, t, found)
    if x is None:
        x, value = model.solve((V.sum(axis=0), {}))
    else:
        total = model.improve((V.sum(axis=0), {}), float(rubric.utilities(x).sum()))
        if total is None:
            return _Step(t, x, float(rubric.utilities(x).sum()), exact=model.statuses[-1] == 0)
        x, value = total
    return _Step(t, x, value, (model, worst), all(st == 0 for st in model.statuses))


def _tie_break(rubric: Rubric, s: _Step) -> np.ndarray:
    """Max worst group with the total held at s's optimum; s's package when nothing beats it."""
    assert s.pending is not None
    model, worst = s.pending
    model.hold((rubric.values.sum(axis=0), {}), s.total)   # the cap (no package keeping every group >= t exceeds it)
    try:
        better = model.improve((np.zeros(rubric.n_items), {worst: 1.0}), float(rubric.utilities(s.package).min()))
    except InfeasibleMILP:       # the fixed total leant on solver tolerances: keep x (as `lexmax` does)
        return s.package
    return s.package if better is None else better[0]


def _incumbent(rubric: Rubric, t: float, found: list[np.ndarray]) -> np.ndarray | None:
    """The found package keeping every group >= t with the highest total, then the highest worst group (None: none).

    Utilities within FIX_TOL of t and totals within FIX_TOL of the highest count as equal (float noise; the
    solver's own tolerances are wider).
    """
    U = rubric.utilities(np.array(found, dtype=np.int8).reshape(-1, rubric.n_items))
    ok = np.flatnonzero(U.min(axis=1) >= t - fix_slack(t))
    if not ok.size:
        return None
    T = U[ok].sum(axis=1)
    top = T.max()
    reach = ok[T >= top - fix_slack(top)]
    return found[int(reach[np.argmax(U[reach].min(axis=1))])]


def _dominates(U: np.ndarray, ux: np.ndarray) -> np.ndarray:
    return (U >= ux - DOMINANCE_TOL).all(axis=-1) & (U > ux + DOMINANCE_TOL).any(axis=-1)


def dominating_package(rubric: Rubric, x: Any, *, method: str = "auto") -> np.ndarray | None:
    """A feasible package Pareto-dominating x (the one with the largest total), or None."""
    x = np.asarray(x, dtype=np.int8).reshape(rubric.n_items)
    ux = rubric.utilities(x)
    if resolve_method(rubric, method) == "enumeration":
        X, U = feasible_table(rubric)
        idx = np.flatnonzero(_dominates(U, ux))
        return X[idx[lex_argmax([U[idx].sum(axis=1)])]].copy() if idx.size else None
    model, V = _dominance_model(rubric, x)[0], rubric.values
    for _ in range(10):
        try:
            y, _ = model.solve((V.sum(axis=0), {}))
        except InfeasibleMILP:                  # x is infeasible and beyond every package
            return None
        uy = rubric.utilities(y)
        if _dominates(uy, ux):
            return y
        if uy.sum() <= ux.sum() + DOMINANCE_TOL:
            return None
        model.row(2.0 * y - 1.0, {}, ub=float(y.sum()) - 1.0)   # exclude y, solve again
    return None


def is_pareto_optimal(rubric: Rubric, x: Any, *, method: str = "auto") -> bool:
    """True when no feasible package Pareto-dominates x (exact, tolerance DOMINANCE_TOL).

    By MILP the question is only whether some package keeps every group >= u(x) with a higher total, so the
    solve stops at the first such package (a dominating one is seldom the best one and its search is long); when
    it stops undecided, the total is optimised against u(x)'s (HiGHS's cutoff); when that too leaves it open (a
    limit reached, a package that fails the dominance check), `dominating_package` decides.
    """
    x = np.asarray(x, dtype=np.int8).reshape(rubric.n_items)
    if resolve_method(rubric, method) == "milp":
        model, ux = _dominance_model(rubric, x)
        for first in (True, False):             # first package above u(x)'s total; then the optimum, against it
            try:
                found = model.improve((rubric.values.sum(axis=0), {}), float(ux.sum()), first=first)
            except InfeasibleMILP:              # x is infeasible and beyond every package
                return True
            if found is None and model.statuses[-1] == 0:
                return True
            if found is not None and _dominates(rubric.utilities(found[0]), ux):
                return False
    return dominating_package(rubric, x, method=method) is None


def _dominance_model(rubric: Rubric, x: np.ndarray) -> tuple[PackageMILP, np.ndarray]:
    """The feasible packages keeping every group at least at its utility in x (DOMINANCE_TOL below), and u(x)."""
    model, ux = PackageMILP(rubric), rubric.utilities(x)
    for v_g, u_g in zip(rubric.values, ux):
        model.row(v_g, {}, lb=u_g - DOMINANCE_TOL)
    return model, ux
