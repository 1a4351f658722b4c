"""The seed paper's headline: does the negotiated package beat the best base design on every metric.

`headline_counts`: over runs, in how many the negotiated package beats the best base design on
total (higher), worst group (higher), P20 (higher) and Gini (lower), each and all four at once,
read from each run's own evaluation (`RunResult.designs`). `beating_packages`: the exact search:
every feasible package within the budget evaluated beside the base designs exactly as a run that
negotiated it would be (P20 normalised over the base designs and that package, the library's
`satisfaction_between`, `p20_rows` and `gini_rows`), and which of them beat the best base design on all four.
"""

from __future__ import annotations

import numpy as np

from sim.core import metrics
from sim.core.context import NegotiationContext
from sim.search.exact import enumerate_feasible

METRICS = ("total", "worst_group", "p20", "gini")
TOL = 1e-9


def _beats(neg: dict, base: dict) -> dict[str, bool]:
    """Whether metric values `neg` beat `base`: higher total, worst group and P20, lower Gini."""
    return {"total": neg["total"] > base["total"] + TOL, "worst_group": neg["worst_group"] > base["worst_group"] + TOL,
            "p20": neg["p20"] > base["p20"] + TOL,
            "gini": neg["gini"] is not None and base["gini"] is not None and neg["gini"] < base["gini"] - TOL}


def headline_counts(ctx: NegotiationContext, runs: list) -> dict[str, int]:
    """Per metric (and `all`), in how many runs the negotiated package beats the best base design."""
    out = dict.fromkeys((*METRICS, "all"), 0)
    for run in runs:
        neg, base = (run.designs[n].metrics for n in ("negotiated", ctx.best_base))
        beats = _beats({m: getattr(neg, m) for m in METRICS}, {m: getattr(base, m) for m in METRICS})
        for m, b in beats.items():
            out[m] += b
        out["all"] += all(beats.values())
    return out


def beating_packages(ctx: NegotiationContext) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(feasible packages, mask of those beating the best base design on all four, their metrics per candidate)."""
    rub = ctx.rubric
    X = enumerate_feasible(rub)
    B = np.array(list(ctx.base_packages.values()), dtype=float)
    UB, UX = rub.unit_utilities(B), rub.unit_utilities(X)
    lo, hi = np.minimum(UB.min(axis=0), UX), np.maximum(UB.max(axis=0), UX)
    best = UB[list(ctx.base_packages).index(ctx.best_base)]
    s_x, s_b = (metrics.satisfaction_between(u, lo, hi) for u in (UX, best[None]))
    G = rub.utilities(X)
    g_best = rub.utilities(ctx.base_packages[ctx.best_base].astype(float))
    cand = {"total": G.sum(axis=1), "worst_group": G.min(axis=1), "p20": metrics.p20_rows(s_x),
            "gini": metrics.gini_rows(G)}
    base_p20 = metrics.p20_rows(s_b)
    base = {"total": g_best.sum(), "worst_group": g_best.min(), "gini": metrics.gini_rows(g_best[None])[0]}
    ok = (cand["total"] > base["total"] + TOL) & (cand["worst_group"] > base["worst_group"] + TOL) \
        & (cand["p20"] > base_p20 + TOL) & (cand["gini"] < base["gini"] - TOL)
    return X, ok, {**cand, "base_p20": base_p20}
