"""Drafts by exact search under private information: stated red lines as constraints, believed floors.

When no candidate built from the objections keeps every stated red line and is predicted to
pass, the mediator searches all feasible packages (the exact enumeration of `sim.search.exact`,
up to ENUM_MAX_ITEMS items): every stated red line kept, every group at least its believed
disagreement utility, predicted to pass (else the most predicted support), best by the strategy
objective. When no feasible package keeps all stated red lines, `conflicts` names the pairs of
groups whose red lines cannot be kept together. `fallback` is the package when the rounds run out.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from sim.core.cache import owned
from sim.search.exact import ENUM_MAX_ITEMS, enumerate_feasible

TOL = 1e-9


def feasible_packages(know) -> np.ndarray | None:
    """All feasible packages of the public rubric (None beyond the enumeration limit); once per context."""
    rub = know.rubric
    if rub.n_items > ENUM_MAX_ITEMS:
        return None
    return owned(know.ctx, "feasible_packages", lambda: enumerate_feasible(rub))


def searched(know, thr: np.ndarray, objective, n: int = 4, avoid=None) -> np.ndarray:
    """Up to n packages keeping every stated red line and every believed floor, predicted to pass first.

    `thr` (G,): the utility each group is predicted to need; `objective(U) -> (m, k)` key columns;
    `avoid(packages) -> (m,) bool`: packages not to return (e.g. drafts a group objected to
    twice), set aside before anything else is checked.
    """
    X = feasible_packages(know)
    if X is None:
        return np.empty((0, know.rubric.n_items), dtype=np.int8)
    U = know.utilities(_as_float(know))
    if avoid is not None:
        fresh = ~avoid(X)
        X, U = X[fresh], U[fresh]
    lines = know.red_lines_ok(X, U).all(axis=1)
    ok = lines & (U >= know.d - TOL).all(axis=1)
    if not ok.any():
        ok = lines
    X, U = X[ok], U[ok]
    accepts = U >= thr
    passes = know.passes(accepts)
    keep = passes if passes.any() else accepts.sum(axis=1) == accepts.sum(axis=1).max(initial=0)
    X, U = X[keep], U[keep]
    if not len(X):
        return np.empty((0, know.rubric.n_items), dtype=np.int8)
    obj = objective(U)
    order = np.lexsort(obj.T[::-1])[::-1][:n]
    return X[order]


def _as_float(know) -> np.ndarray:
    """`feasible_packages(know)` as floats, converted once per context (the same utilities, without a copy per call)."""
    return owned(know.ctx, "feasible_packages_float", lambda: feasible_packages(know).astype(float))


def conflicts(know, groups: list[int]) -> list[tuple[int, int]]:
    """Pairs of groups whose stated red lines no feasible package keeps together (none when the pool is too large)."""
    X = feasible_packages(know)
    if X is None:
        return []
    lines = know.red_lines_ok(X, know.utilities(_as_float(know)))
    if lines.all(axis=1).any():
        return []
    return [(a, b) for a, b in combinations(groups, 2) if not (lines[:, a] & lines[:, b]).any()]


def fallback(know, objective) -> tuple[np.ndarray, str]:
    """The package when the rounds run out (protocol `clock_out: fallback`) and why.

    The best by the strategy objective over what the mediator knows, with every (stated) red line
    kept and every group at least its (believed) disagreement utility, the floors dropped when no
    package keeps them with the red lines. Under private information that is only what was stated
    and decided: a silent group's unstated red lines bind nothing and its values are the prior moved
    by its decisions, so silence forfeits influence on it. Beyond the enumeration limit, or when no
    package keeps every stated red line: the disagreement package.
    """
    found = searched(know, know.d - TOL, objective, n=1)
    if not len(found):
        x = know.disagreement if know.private else know.ctx.disagreement_package
        return x, "no package keeps every stated red line: the disagreement package"
    heard = "what was stated and decided" if know.private else "the true values"
    return found[0], f"the best package by {heard}, red lines kept"
