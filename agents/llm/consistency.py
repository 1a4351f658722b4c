"""Value consistency of an LLM stakeholder: its decisions against a truthful rule stakeholder in the same state.

For every move the model makes itself (fallbacks excluded) three scores are recorded:
- `accept_agreement`: 1 when its accept/object equals the truthful rule agent's (which accepts
  a draft that meets its reservation and breaks none of its true red lines), else 0;
- `amendment_rank`: when it objects with an amendment, 1 - (share of the other amendments the
  rule agent considers that it values strictly more), by the rule agent's own measure (red-line
  fixes first, then own utility gain per unit of cost): 1 is the best ask, 0 the worst;
- `ranking_tau`: Kendall's tau (scipy, tau-b) between its ranking of the candidate drafts and
  its true utilities of them; pairs whose true utilities tie count as neither concordant nor
  discordant (their positions are averaged), so the rule agent's ranking scores 1.
"""

from __future__ import annotations

import math

import numpy as np

from sim.core.moves import Amendment

SCORES = ("accept_agreement", "amendment_rank", "ranking_tau")


def amendment_rank(rule, x: np.ndarray, chosen: Amendment) -> float:
    """The chosen amendment's rank among those the rule agent considers on draft x (1 best, 0 worst)."""
    values = {str(a): v for v, a in rule.ranked_amendments(x)}
    values[str(chosen)] = rule.amendment_value(x, chosen)
    mine = values[str(chosen)]
    if len(values) < 2:
        return 1.0
    better = sum(1 for v in values.values() if v > mine + 1e-12)
    return 1.0 - better / (len(values) - 1)


def ranking_tau(ranking: tuple[int, ...], utilities: np.ndarray) -> float | None:
    """Kendall's tau-b between a ranking (indices, best first) and true utilities; None when undefined."""
    from scipy.stats import kendalltau

    u = np.round(np.asarray(utilities, dtype=float), 9)
    if len(ranking) < 2 or len(set(u.tolist())) < 2:
        return None
    position = np.empty(len(ranking))
    position[list(ranking)] = np.arange(len(ranking))
    for value in set(u.tolist()):                      # tied utilities: neither order counts
        tied = u == value
        position[tied] = position[tied].mean()
    tau = float(kendalltau(-position, u).statistic)
    return None if math.isnan(tau) else tau


def aggregate(records: list[dict]) -> dict:
    """Means of the scores per group and overall, with the number of decisions each mean is over."""
    def summary(rows: list[dict]) -> dict:
        out: dict = {"decisions": len(rows)}
        for key in SCORES:
            vals = [r[key] for r in rows if r.get(key) is not None]
            out[key] = round(float(np.mean(vals)), 6) if vals else None
            out[f"n_{key}"] = len(vals)
        return out
    groups = sorted({r["group"] for r in records})
    return {"overall": summary(records),
            "per_group": {g: summary([r for r in records if r["group"] == g]) for g in groups}}
