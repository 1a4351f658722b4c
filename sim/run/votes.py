"""A vote to beat: one-shot ballots cast truthfully, aggregated within the budget (issue 19, item 5).

The ballot formats (how one is cast) live in `sim.core.ballots`, shared with elicitation.
Every voter (every member of a group with members, else the group itself; a voter's ballot
weighs its group's size shared equally among the group's voters) casts a ballot from its true
item values, read as implied utilities per item:

- `threshold`: approve (1) every item worth at least T to the voter and more than 0, with T the
  voter's mean item value (Benade et al. 2017's threshold approval with a per-voter default);
- `knapsack`: approve the voter's best feasible package within the budget (exact search);
- `value_rank` / `vfm_rank`: Borda scores (P for the first ... 1 for the last of the P items
  worth more than 0) of the items ranked by value / by value per unit of cost, others 0;
- `approve:K`: approve the K items of highest positive value;
- `rank:K`: Borda scores K ... 1 for the K items of highest positive value.

Two aggregations per format: `greedy` adds items by descending vote score (ties: lower index),
each with what it requires, when the result stays feasible (the rubric's closure and
feasibility); `utilitarian` is the exact optimum (sim.search) of the summed implied utilities.
The best vote is the one with the highest worst group (then total).
Each vote package is scored with the library's evaluate_designs beside the negotiated package.
"""

from __future__ import annotations

import copy

import numpy as np

from sim.core.ballots import linear_optima, linear_optimum, scores
from sim.core.cache import memo, owned
from sim.core.evaluate import evaluate_designs
from sim.core.rubric import Rubric

FORMATS = ("threshold", "knapsack", "value_rank", "vfm_rank", "approve:3", "rank:3")
AGGREGATIONS = ("greedy", "utilitarian")


def ballot(rub: Rubric, fmt: str, v: np.ndarray) -> np.ndarray:
    """The implied utilities per item of one voter with true item values v (`sim.core.ballots.scores`)."""
    return scores(rub, fmt, v)


def ballots(rub: Rubric, fmt: str) -> np.ndarray:
    """Every voter's implied utilities (U, K); knapsack ballots in one batch."""
    if fmt == "knapsack":
        return linear_optima(rub, rub.unit_values).astype(float)
    return np.array([ballot(rub, fmt, v) for v in rub.unit_values])


def vote_scores(rub: Rubric, fmt: str) -> np.ndarray:
    """Summed implied utilities per item over all voters, each weighted by its share of its group's size."""
    members = np.bincount(rub.unit_group, minlength=rub.n_groups)
    weight = rub.sizes[rub.unit_group] / members[rub.unit_group]
    return weight @ ballots(rub, fmt)


def greedy_by_votes(rub: Rubric, scores: np.ndarray) -> np.ndarray:
    """Add items by descending score (positive only), each with its requirements, while feasible."""
    x = np.zeros(rub.n_items, dtype=np.int8)
    for k in np.argsort(-scores, kind="stable"):
        if scores[k] <= 0 or x[k]:
            continue
        y = x.copy()
        y[k] = 1
        y = rub.closure(y)
        if rub.feasible(y):
            x = y
    return x


def vote_packages(rub: Rubric, formats=FORMATS) -> dict[str, np.ndarray]:
    """`format/aggregation` -> package, computed once per rubric and format list."""
    def build() -> dict[str, np.ndarray]:
        out = {}
        for fmt in formats:
            s = vote_scores(rub, fmt)
            out[f"{fmt}/greedy"] = greedy_by_votes(rub, s)
            out[f"{fmt}/utilitarian"] = np.asarray(linear_optimum(rub, s), dtype=np.int8)
        return out
    return owned(rub, "votes:" + ",".join(formats), build)


def _ratio(value: float, best: float) -> float | None:
    return None if best <= 1e-12 else float(value / best)


def votes_block(ctx, package: np.ndarray, max_total: float, max_worst: float) -> dict:
    """benchmark.votes of summary.json: every vote's package and metrics, and the best vote.

    Memoised per context and negotiated package (P20 is scored against the negotiated package, so the
    block depends on it; seeds that agree on the same package share one evaluation). A copy is returned.
    """
    package = np.asarray(package, dtype=np.int8)
    table, key = memo(ctx, "votes_block"), (package.tobytes(), max_total, max_worst)
    if key not in table:
        table[key] = _votes_block(ctx, package, max_total, max_worst)
    return copy.deepcopy(table[key])


def _votes_block(ctx, package: np.ndarray, max_total: float, max_worst: float) -> dict:
    rub = ctx.rubric
    designs = {"negotiated": np.asarray(package, dtype=np.int8), **vote_packages(rub)}
    reports = evaluate_designs(ctx, designs, {})
    rows = {}
    for name in designs:
        if name == "negotiated":
            continue
        m = reports[name].metrics
        rows[name] = {"package": rub.ids(designs[name]), "total": m.total, "worst_group": m.worst_group,
                      "p20": m.p20, "gini": m.gini, "efficiency": _ratio(m.total, max_total),
                      "fairness": _ratio(m.worst_group, max_worst),
                      "red_lines_broken": sorted(reports[name].red_lines)}
    best = max(rows, key=lambda n: (rows[n]["worst_group"], rows[n]["total"]))
    neg = reports["negotiated"].metrics
    return {"negotiated": {"total": neg.total, "worst_group": neg.worst_group, "p20": neg.p20},
            "ballots": rows, "best": best}


def votes_line(votes: dict) -> str:
    """One line for `negsim run`: the negotiated package against the best vote."""
    neg, best = votes["negotiated"], votes["ballots"][votes["best"]]
    return (f"negotiated vs best vote ({votes['best']}): total {neg['total']:.2f} vs {best['total']:.2f}, "
            f"worst group {neg['worst_group']:.2f} vs {best['worst_group']:.2f}")
