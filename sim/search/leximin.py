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
from sim.search.objectives import TIE_TOL

LEVEL_TOL = 1e-7          # absolute slack on an earlier level (HiGHS's feasibility tolerance is 1e-7)


def _tie(value: float) -> float:
    """Two levels closer than this are one level (TIE_TOL, relative)."""
    return TIE_TOL * max(1.0, abs(value))


def _slack(value: float) -> float:
    return LEVEL_TOL + _tie(value)


def _broken(u: np.ndarray, sums: list[float], cuts: set[int]) -> int | None:
    """The first earlier position i (1-based) whose ordered sum u breaks and that is not yet a cut, else None."""
    prefix = np.cumsum(np.sort(u))
    for i, s in enumerate(sums, start=1):
        if i not in cuts and prefix[i - 1] < s - _slack(s):
            return i
    return None


class _Levels:
    """Stage models of one rubric: the cuts found so far and every solve's status."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        self.W, self.m = np.unique(rubric.values, axis=0, return_counts=True)
        self.cuts: set[int] = set()
        self.statuses: list[int] = []
        self.tightened = False

    def _stage(self, k: int, sums: list[float]) -> tuple[PackageMILP, Expr]:
        """The stage-k model: groups at or above level 1, the cut ordered sums before k, and the objective."""
        model, W, m = PackageMILP(self.rubric), self.W, self.m
        if sums:
            for w_j in W:
                model.row(w_j, {}, lb=sums[0] - _slack(sums[0]))
        for i in sorted(i for i in self.cuts if i < k):
            xc, extra = ordered_sum(model, i, W, m)
            model.row(xc, extra, lb=sums[i - 1] - _slack(sums[i - 1]))
        objective = (self.rubric.values.sum(axis=0), {}) if k == self.rubric.n_groups else ordered_sum(model, k, W, m)
        return model, objective

    def solve_at(self, k: int, sums: list[float]) -> np.ndarray:
        """The package maximising the k smallest utilities among those reaching the ordered sums of 1..k-1."""
        while True:                      # each round adds a new earlier position, so at most k rounds
            model, objective = self._stage(k, sums)
            x, _ = model.solve(objective)
            self.statuses += model.statuses
            self.tightened |= model.tightened
            broken = _broken(self.rubric.utilities(x), sums, self.cuts)
            if broken is None:
                return x
            self.cuts.add(broken)

    def settle(self, x: np.ndarray, sums: list[float]) -> tuple[np.ndarray, list[float]]:
        """Extend sums over every position of the level just found (the last of sums); x is an answer reaching it.

        Returns an answer with the fewest groups at the level, and the extended sums.
        If x has c groups at the level, one solve at the level's c-th position either proves that no package
        has fewer (every position up to it is the level) or returns one with fewer, and the count drops.
        """
        pos, base = len(sums), sums[-1]
        level, before = float(np.sort(self.rubric.utilities(x))[pos - 1]), self.rubric.n_groups + 1
        while True:
            sigma = np.sort(self.rubric.utilities(x))
            c = int((sigma[pos - 1:] <= level + _tie(level)).sum())
            if c <= 1 or c >= before:      # the count must drop (tolerances aside); else go position by position
                return x, sums
            before = c
            q = pos + c - 1
            y = self.solve_at(q, sums + [base + j * level for j in range(1, c - 1)])
            ordered = np.cumsum(np.sort(self.rubric.utilities(y)))
            target = base + (c - 1) * level
            if ordered[q - 1] <= target + _tie(target):
                return x, sums + ordered[pos:q].tolist()
            x = y


def leximin_levels(rubric: Rubric) -> tuple[np.ndarray, dict]:
    """The leximin-optimal package (ties: the largest total, as the last position is the total) and solver facts.

    Per distinct level: one solve finds its value at its first position, one more proves how many positions
    it fills (more only when an answer had more groups at the level than necessary).
    """
    levels, sums = _Levels(rubric), []
    x = np.zeros(rubric.n_items, dtype=np.int8)
    while len(sums) < rubric.n_groups:
        k = len(sums) + 1
        x = levels.solve_at(k, sums)
        x, sums = levels.settle(x, sums + [float(np.sort(rubric.utilities(x))[:k].sum())])
    details = {"solver": "HiGHS", "solves": len(levels.statuses), "all_optimal": all(s == 0 for s in levels.statuses),
               "formulation": "levels", "level_cuts": sorted(levels.cuts)}
    if levels.tightened:
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
