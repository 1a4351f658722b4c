"""Leximin over packages by levels: one position of the sorted utility vector per MILP, earlier levels as lazy cuts.

Stage k maximises the sum of the k smallest group utilities (Ogryczak's ordered sum) over the packages
whose k-1 smallest utilities are the levels already found. The dense formulation keeps every earlier
ordered sum in the model (k threshold columns and k x G deviation columns at stage k, G^2 in all).
Here each stage is a fresh model holding only: every group at or above the first level (one row per
group), the ordered sums that an answer has broken before (added back lazily, usually none), and the
stage's own ordered sum. An answer that breaks an earlier level adds that level's ordered sum and is
solved again, so every stage's answer keeps all earlier levels and the result is the exact leximin
optimum; the model stays linear in the number of groups.
"""

from __future__ import annotations

import numpy as np

from sim.core.rubric import Rubric
from sim.search.milp import FIX_TOL, Expr, InfeasibleMILP, PackageMILP, lexmax, ordered_sum

LEVEL_TOL = 1e-7          # relative slack on an earlier level (HiGHS's feasibility tolerance is 1e-7)


def _slack(value: float) -> float:
    return LEVEL_TOL * max(1.0, abs(value))


def _broken(u: np.ndarray, sums: list[float], cuts: set[int]) -> int | None:
    """The first earlier position i (1-based) whose ordered sum u breaks and that is not yet a cut, else None."""
    prefix = np.cumsum(np.sort(u))
    for i, s in enumerate(sums, start=1):
        if i not in cuts and prefix[i - 1] < s - _slack(s):
            return i
    return None


def _stage(rubric: Rubric, k: int, sums: list[float], cuts: set[int]) -> tuple[PackageMILP, Expr]:
    """The stage-k model: groups at or above level 1, the cut ordered sums, and the objective."""
    model, V = PackageMILP(rubric), rubric.values
    if sums:
        for v_g in V:
            model.row(v_g, {}, lb=sums[0] - _slack(sums[0]))
    for i in sorted(cuts):
        xc, extra = ordered_sum(model, i)
        model.row(xc, extra, lb=sums[i - 1] - _slack(sums[i - 1]))
    objective = (V.sum(axis=0), {}) if k == len(V) else ordered_sum(model, k)
    return model, objective


def leximin_levels(rubric: Rubric) -> tuple[np.ndarray, dict]:
    """The leximin-optimal package (ties: the largest total, as the last level is the total) and solver facts."""
    G = rubric.n_groups
    sums: list[float] = []
    cuts: set[int] = set()
    statuses: list[int] = []
    tightened = False
    x = np.zeros(rubric.n_items, dtype=np.int8)
    for k in range(1, G + 1):
        while True:                      # at most k - 1 rounds: each adds a new earlier position
            model, objective = _stage(rubric, k, sums, cuts)
            x, _ = model.solve(objective)
            statuses += model.statuses
            tightened |= model.tightened
            broken = _broken(rubric.utilities(x), sums, cuts)
            if broken is None:
                break
            cuts.add(broken)
        sums.append(float(np.sort(rubric.utilities(x))[:k].sum()))   # the exact value the answer reaches
    details = {"solver": "HiGHS", "solves": len(statuses), "all_optimal": all(s == 0 for s in statuses),
               "formulation": "levels", "level_cuts": sorted(cuts)}
    if tightened:
        details["budget_tightened"] = True
    return x, details


def leximin_dense(rubric: Rubric) -> tuple[np.ndarray, dict]:
    """The dense formulation (every earlier ordered sum kept in one growing model): the fallback."""
    model, V = PackageMILP(rubric), rubric.values
    stages = [ordered_sum(model, k) for k in range(1, len(V))] + [(V.sum(axis=0), {})]
    x = lexmax(model, stages)
    return x, {**model.details(), "formulation": "dense"}


def leximin(rubric: Rubric) -> tuple[np.ndarray, dict]:
    """Leximin by levels; the dense formulation if a level proves infeasible (a fixed optimum leant on tolerances)."""
    try:
        return leximin_levels(rubric)
    except InfeasibleMILP:
        x, details = leximin_dense(rubric)
        return x, {**details, "fallback": "dense", "fix_tol": FIX_TOL}
