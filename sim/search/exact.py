"""Package optimisation: exhaustive enumeration for small rubrics, MILP (HiGHS) above.

Every objective is maximised over feasible packages (budget, requires, excludes) on the
unweighted group utilities. A result carries its score as a lexicographic key (higher is
better) and a `details` trace of how it was found. Keys closer than TIE_TOL count as tied
and the next key decides; full ties go to the lowest binary index (item 0 = lowest bit).
Enumeration lives in `sim.search.enumeration`, the Pareto frontier and dominance in
`sim.search.pareto`; this module re-exports them and memoises every search per rubric (`cached`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from sim.core.cache import LRU, owned
from sim.core.rubric import Rubric
from sim.search.enumeration import ENUM_MAX_ITEMS, METHODS, enumerate_feasible, feasible_table, resolve_method, share_table
from sim.search.leximin import leximin
from sim.search.milp import Expr, PackageMILP, lexmax, log_tangent_cuts
from sim.search.objectives import POSITIVE_GAIN, TIE_TOL, keys, lex_argmax, polish
from sim.search.pareto import DOMINANCE_TOL, FrontierPoint, dominating_package, frontier_of, is_pareto_optimal
from sim.search.pareto import pareto_frontier as frontier_from_ends

OBJECTIVES = ("utilitarian", "maximin", "leximin", "nash", "kalai")
D_FREE = ("utilitarian", "maximin", "leximin")   # objectives whose optimum ignores the disagreement point
NASH_BREAKPOINTS = 20          # tangent cuts per group for the log approximation
NASH_REFINE_ROUNDS = 8         # extra cut rounds at the MILP's own answers
CACHE_RUBRICS = 64


@dataclass(frozen=True)
class SearchResult:
    """An optimal package for one objective and how it was found (arrays are read-only)."""

    package: np.ndarray
    utilities: np.ndarray
    objective: str
    score: tuple[float, ...]
    method: str
    details: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.package.setflags(write=False)
        self.utilities.setflags(write=False)


# ---------------------------------------------------------------- results

def _effective(objective: str, d: np.ndarray, ideal: np.ndarray | None,
               has_positive: bool) -> tuple[str, dict]:
    """The objective actually optimised (fallbacks for degenerate nash / kalai) and notes."""
    if objective == "nash" and not has_positive:
        return "utilitarian", {"fallback": "utilitarian", "note": "no feasible package gives "
                               "every group a positive gain over the disagreement point"}
    if objective == "kalai":
        skipped = [int(g) for g in np.flatnonzero(ideal - d <= TIE_TOL)]
        if len(skipped) == d.size:
            return "utilitarian", {"fallback": "utilitarian", "skipped_groups": skipped,
                                   "note": "no group can gain over the disagreement point"}
        return objective, {"skipped_groups": skipped, "ideal": ideal.tolist()}
    return objective, {}


def _checked(rubric: Rubric, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The package as int8 after a feasibility check, and its exact utilities."""
    x = np.array(x, dtype=np.int8)
    if not rubric.feasible_mask(x[None])[0]:
        raise RuntimeError(f"search produced an infeasible package: {rubric.why_infeasible(x)}")
    return x, rubric.utilities(x)


def _result(rubric: Rubric, x: np.ndarray, objective: str, used: str, d: np.ndarray,
            ideal: np.ndarray | None, method: str, details: dict) -> SearchResult:
    """Verify feasibility, recompute utilities exactly and score the package."""
    x, u = _checked(rubric, x)
    columns = keys(used, u[None], d, ideal)
    if used == "nash":          # a Nash result always has every gain positive (else it falls back): drop that flag
        columns = columns[1:]
    score = tuple(float(k[0]) for k in columns)
    return SearchResult(x, u, objective, score, method, details)


# ---------------------------------------------------------------- enumeration

def _enum_optimise(rubric: Rubric, objective: str, d: np.ndarray,
                   ideal: np.ndarray | None) -> SearchResult:
    X, U = feasible_table(rubric)
    ideal = U.max(axis=0) if ideal is None else ideal
    has_positive = bool(((U - d) > POSITIVE_GAIN).all(axis=1).any())
    used, notes = _effective(objective, d, ideal, has_positive)
    i = lex_argmax(keys(used, U, d, ideal))
    return _result(rubric, X[i], objective, used, d, ideal, "enumeration",
                   {"n_feasible": len(X), **notes})


# ---------------------------------------------------------------- MILP

def _stages(model: PackageMILP, objective: str, d: np.ndarray, ideal: np.ndarray | None) -> list[Expr]:
    """Lexicographic stages of a linear objective (everything except nash and leximin)."""
    V = model.rubric.values
    zero, total = np.zeros(V.shape[1]), (V.sum(axis=0), {})
    if objective == "utilitarian" and len(V) == 1:
        return [total]                  # one group: the worst group is the total, a second stage repeats it
    if objective in ("utilitarian", "maximin"):
        worst = (zero, {model.min_var(V, np.zeros(len(V))): 1.0})
        return [total, worst] if objective == "utilitarian" else [worst, total]
    span = ideal - d
    a = span > TIE_TOL
    t = model.min_var(V[a] / span[a, None], -d[a] / span[a])
    return [(zero, {t: 1.0}), total]


def _milp_optimise(rubric: Rubric, objective: str, d: np.ndarray,
                   ideal: np.ndarray | None) -> SearchResult:
    if objective in ("nash", "kalai") and ideal is None:
        ideal = ideal_point(rubric, method="milp")
    if objective == "nash":
        x, details = _milp_nash(rubric, d, ideal)
        if x is not None:
            return _result(rubric, x, "nash", "nash", d, ideal, "milp", details)
    used, notes = _effective(objective, d, ideal, objective != "nash")
    if used == "leximin":
        x, details = leximin(rubric)
        return _result(rubric, x, objective, used, d, ideal, "milp", {**details, **notes})
    model = PackageMILP(rubric)
    stages = _stages(model, used, d, ideal)
    first = _max_worst(rubric, model, stages[0][1]) if used == "maximin" else None
    x = lexmax(model, stages, first=first)
    return _result(rubric, x, objective, used, d, ideal, "milp", {**model.details(), **notes})


def _max_worst(rubric: Rubric, model: PackageMILP, objective: dict[int, float]) -> tuple[np.ndarray, float]:
    """The MILP max min_g u_g (`model`: feasibility rows and one min column), solved once per rubric.

    The maximin optimum's first stage and the Nash search's start with a zero disagreement point are this
    same MILP; the second asker gets the first's answer (and its solver status). Not kept when the budget
    row had to be tightened (that model differs).
    """
    known = owned(rubric, "milp:max_worst", dict)
    if known:
        model.statuses.append(known["status"])
        return known["x"], known["value"]
    x, value = model.solve((np.zeros(rubric.n_items), objective))
    if not model.tightened:
        known.update(x=x, value=value, status=model.statuses[-1])
    return x, value


def _milp_nash(rubric: Rubric, d: np.ndarray, ideal: np.ndarray) -> tuple[np.ndarray | None, dict]:
    """Outer approximation of max sum log gains: tangent cuts, refined at each answer, polished."""
    model, V = PackageMILP(rubric), rubric.values
    start = (np.zeros(rubric.n_items), {model.min_var(V, -d): 1.0})
    x0, _ = _max_worst(rubric, model, start[1]) if not d.any() else model.solve(start)
    g0 = rubric.utilities(x0) - d
    if g0.min() <= POSITIVE_GAIN:
        return None, {}
    hi = np.maximum(ideal - d, g0)
    # every Nash-optimal package has gain_g >= exp(N(x0) - sum_{h != g} log hi_h)
    lo = np.clip(0.5 * np.exp(np.log(g0).sum() - np.log(hi).sum() + np.log(hi)), POSITIVE_GAIN, g0)
    for g in range(len(V)):
        model.row(V[g], {}, lb=d[g] + lo[g])
    z = [model.var(hi=math.log(h) + 1.0) for h in hi]
    floor = np.maximum(lo, 1e-6 * hi)            # keeps cut slopes 1/b numerically sane
    log_tangent_cuts(model, z, np.geomspace(floor, hi, NASH_BREAKPOINTS), d)

    def nash(x: np.ndarray) -> float:
        return float(keys("nash", rubric.utilities(x)[None], d, ideal)[1][0])
    best, bound = x0, np.inf
    for _ in range(NASH_REFINE_ROUNDS):
        x, bound = model.solve((np.zeros(rubric.n_items), {zg: 1.0 for zg in z}))
        best = x if nash(x) > nash(best) + TIE_TOL else best
        if bound - nash(best) <= 1e-7:
            break
        log_tangent_cuts(model, z, np.maximum(rubric.utilities(x) - d, floor)[None], d)
    polished, moves = polish(rubric, best, "nash", d, ideal)
    return polished, {**model.details(), "approximate": True, "upper_bound": bound,
                      "gap_bound": max(0.0, bound - nash(polished)), "polish_moves": moves,
                      "breakpoints": NASH_BREAKPOINTS, "ideal": ideal.tolist()}


# ---------------------------------------------------------------- public API

def _disagreement(rubric: Rubric, disagreement: Any) -> np.ndarray:
    if disagreement is None:
        return np.zeros(rubric.n_groups)
    d = np.asarray(disagreement, dtype=float)
    if d.shape != (rubric.n_groups,):
        raise ValueError(f"disagreement must have one utility per group ({rubric.n_groups}), "
                         f"got shape {d.shape}")
    return d


def _optimise(rubric: Rubric, objective: str, d: np.ndarray, method: str,
              ideal: np.ndarray | None) -> SearchResult:
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; use one of {OBJECTIVES}")
    if resolve_method(rubric, method) == "enumeration":
        return _enum_optimise(rubric, objective, d, ideal)
    return _milp_optimise(rubric, objective, d, ideal)


def optimise(rubric: Rubric, objective: str, *, disagreement: Any = None,
             method: str = "auto") -> SearchResult:
    """The best feasible package for an objective in OBJECTIVES (see the module docstring)."""
    return _optimise(rubric, objective, _disagreement(rubric, disagreement), method, None)


def _group_max(rubric: Rubric, g: int) -> tuple[PackageMILP, tuple[np.ndarray, float], float]:
    """The MILP maximising group g's utility, its answer and g's utility there (the ideal's entry)."""
    model = PackageMILP(rubric)
    first = model.solve((rubric.values[g], {}))
    return model, first, float(rubric.utilities(first[0])[g])


def _best_and_ideal(rubric: Rubric, g: int, method: str) -> tuple[SearchResult, float | None]:
    """`best_for_group` and, by MILP, group g's maximum utility from the same first solve (else None)."""
    V, name = rubric.values, resolve_method(rubric, method)
    ideal = None
    if name == "enumeration":
        X, U = feasible_table(rubric)
        x, details = X[lex_argmax([U[:, g], U.sum(axis=1)])], {"n_feasible": len(X)}
    else:
        model, first, ideal = _group_max(rubric, g)
        x = lexmax(model, [(V[g], {}), (V.sum(axis=0), {})], first=first)
        details = model.details()
    x, u = _checked(rubric, x)
    return SearchResult(x, u, "best_for_group", (float(u[g]), float(u.sum())), name,
                        {**details, "group": g}), ideal


def best_for_group(rubric: Rubric, g: int, *, method: str = "auto") -> SearchResult:
    """Maximise group g's utility; tie-break by total. Score = (u_g, total)."""
    return _best_and_ideal(rubric, g, method)[0]


def ideal_point(rubric: Rubric, *, method: str = "auto") -> np.ndarray:
    """Each group's maximum utility over feasible packages, (G,).

    By MILP, one fresh model per group: the first solve of `best_for_group`, so a cache shares it.
    """
    if resolve_method(rubric, method) == "enumeration":
        return feasible_table(rubric)[1].max(axis=0)
    return np.array([_group_max(rubric, g)[2] for g in range(rubric.n_groups)])


def pareto_frontier(rubric: Rubric, *, method: str = "auto", max_points: int = 50) -> list[FrontierPoint]:
    """Non-dominated (total, worst_group) points sorted by worst_group (`sim.search.pareto.pareto_frontier`).

    The MILP frontier takes its two ends, the utilitarian and maximin optima, from the rubric's shared
    memo (the pool and the benchmark ask for the same ones).
    """
    memo = cached(rubric)
    return frontier_from_ends(rubric, method=method, max_points=max_points, ends=lambda: (
        memo.optimise("utilitarian", method="milp"), memo.optimise("maximin", method="milp")))


__all__ = ["CACHE_RUBRICS", "D_FREE", "DOMINANCE_TOL", "ENUM_MAX_ITEMS", "METHODS", "OBJECTIVES", "FrontierPoint",
           "SearchCache", "SearchResult", "best_for_group", "cached", "dominating_package", "enumerate_feasible",
           "feasible_table", "frontier_of", "ideal_point", "is_pareto_optimal", "optimise", "pareto_frontier",
           "resolve_method", "share_table"]


# ---------------------------------------------------------------- cache

class SearchCache:
    """Memoised search results for one optimisation problem (rubrics with equal fingerprints).

    Results are shared between callers, so their arrays are read-only; the rubric's arrays
    must not be mutated after the first call.
    """

    def __init__(self, rubric: Rubric, max_entries: int = 4096) -> None:
        self._rubric, self._memo, self._max = rubric, {}, max_entries

    def _get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        try:
            return self._memo[key]
        except KeyError:
            if len(self._memo) >= self._max:
                self._memo.clear()
            value = self._memo[key] = compute()
            return value

    def optimise(self, objective: str, *, disagreement: Any = None,
                 method: str = "auto") -> SearchResult:
        """The best feasible package for an objective (see `optimise`), memoised per objective, disagreement point and method.

        Objectives that ignore the disagreement point (D_FREE) share one entry whatever point is given,
        and `auto` shares the entry of the method it picks: the pool, the benchmark and the frontier ask
        for the same utilitarian and maximin optima.
        """
        if disagreement is not None:
            _disagreement(self._rubric, disagreement)                 # a wrong shape still raises
        free = disagreement is None or objective in D_FREE
        d_key = None if free else tuple(np.asarray(disagreement, float).ravel())
        method = resolve_method(self._rubric, method)

        def compute() -> SearchResult:
            ideal = self.ideal_point(method=method) if objective in ("nash", "kalai") else None
            d = _disagreement(self._rubric, disagreement)
            return _optimise(self._rubric, objective, d, method, ideal)
        return self._get(("optimise", objective, d_key, method), compute)

    def _best(self, g: int, method: str) -> tuple[SearchResult, float | None]:
        return self._get(("best", g, method), lambda: _best_and_ideal(self._rubric, g, method))

    def best_for_group(self, g: int, *, method: str = "auto") -> SearchResult:
        """The feasible package best for group g (see `best_for_group`), memoised per group and method."""
        return self._best(g, resolve_method(self._rubric, method))[0]

    def ideal_point(self, *, method: str = "auto") -> np.ndarray:
        """Each group's maximum feasible utility (see `ideal_point`), memoised per method; the array is read-only.

        By MILP each entry is the first solve of that group's `best_for_group`, solved once for both.
        """
        method = resolve_method(self._rubric, method)
        def compute() -> np.ndarray:
            if method == "milp":
                ideal = np.array([self._best(g, method)[1] for g in range(self._rubric.n_groups)])
            else:
                ideal = ideal_point(self._rubric, method=method)
            ideal.setflags(write=False)
            return ideal
        return self._get(("ideal", method), compute)

    def pareto_frontier(self, *, method: str = "auto", max_points: int = 50) -> list[FrontierPoint]:
        """The (total, worst_group) Pareto frontier (see `pareto_frontier`), memoised; a fresh list each call."""
        method = resolve_method(self._rubric, method)
        return list(self._get(("frontier", method, max_points), lambda: tuple(
            pareto_frontier(self._rubric, method=method, max_points=max_points))))

    def dominating_package(self, x: Any, *, method: str = "auto") -> np.ndarray | None:
        """A feasible package Pareto-dominating x, or None (see `dominating_package`), memoised; read-only."""
        method = resolve_method(self._rubric, method)
        def compute() -> np.ndarray | None:
            y = dominating_package(self._rubric, x, method=method)
            if y is not None:
                y.setflags(write=False)
            return y
        return self._get(("dominating", np.asarray(x, dtype=np.int8).tobytes(), method), compute)

    def is_pareto_optimal(self, x: Any, *, method: str = "auto") -> bool:
        """True when no feasible package Pareto-dominates x (see `is_pareto_optimal`), memoised.

        From the memoised `dominating_package` when that is known (the lab asks for the package itself).
        """
        method, key = resolve_method(self._rubric, method), np.asarray(x, dtype=np.int8).tobytes()
        if ("dominating", key, method) in self._memo:
            return self._memo[("dominating", key, method)] is None
        return self._get(("pareto", key, method), lambda: is_pareto_optimal(self._rubric, x, method=method))


_BY_FINGERPRINT: LRU[SearchCache] = LRU(CACHE_RUBRICS)


def cached(rubric: Rubric) -> SearchCache:
    """The shared SearchCache of a rubric (cheap on repeat calls; keeps CACHE_RUBRICS problems)."""
    return owned(rubric, "search_cache",
                 lambda: _BY_FINGERPRINT.get_or_build(rubric.fingerprint(), lambda: SearchCache(rubric)))
