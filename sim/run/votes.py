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

Aggregations per format: `greedy` adds items by descending vote score (ties: lower index),
each with what it requires, when the result stays feasible (the rubric's closure and
feasibility); `utilitarian` is the exact optimum (sim.search) of the summed implied utilities.
`mes` (approval-like formats `threshold`, `knapsack`, `approve:K`, when pabutools, extra `[pb]`, is
installed): the Method of Equal Shares with cost satisfaction (a voter's satisfaction is the cost
of the approved items funded, pabutools' `Cost_Sat`, as the Pabulib import's approval MES), made
exhaustive by budget increase (`sim.pb.mes`, the one MES) and completed by `greedy` by votes, as
the Pabulib import completes it. Voters have budget shares in proportion to their weights (a
group's size shared equally among its voters). MES sees only the budget: when its outcome lacks a
required item or holds an excluded pair, the library's `repair` makes it feasible (adding what is
required, then dropping the item of lower vote score of an excluded pair, then the cheapest loss
of vote score until it fits) before the greedy completion, which keeps feasibility.
The best vote is the one with the highest worst group (then total).
Each vote package is scored with the library's evaluate_designs beside the negotiated package.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from sim.core.ballots import linear_optimum, named_scores, scores, scores_many
from sim.core.cache import memo, owned
from sim.core.elicitation import parse_ballot
from sim.core.evaluate import evaluate_designs
from sim.core.repair import repair
from sim.core.rubric import Rubric

FORMATS = ("threshold", "knapsack", "value_rank", "vfm_rank", "approve:3", "rank:3")
AGGREGATIONS = ("greedy", "utilitarian", "mes")
APPROVAL_FORMATS = ("threshold", "knapsack", "approve:3")


def ballot(rub: Rubric, fmt: str, v: np.ndarray) -> np.ndarray:
    """The implied utilities per item of one voter with true item values v (`sim.core.ballots.scores`)."""
    return scores(rub, fmt, v)


def ballots(rub: Rubric, fmt: str) -> np.ndarray:
    """Every voter's implied utilities (U, K), cast in one batch; once per rubric and format."""
    def build() -> np.ndarray:
        out = scores_many(rub, fmt, rub.unit_values)
        out.setflags(write=False)
        return out
    return owned(rub, "votes:ballots:" + fmt, build)


def vote_scores(rub: Rubric, fmt: str) -> np.ndarray:
    """Summed implied utilities per item over all voters, each weighted by its share of its group's size."""
    members = np.bincount(rub.unit_group, minlength=rub.n_groups)
    weight = rub.sizes[rub.unit_group] / members[rub.unit_group]
    return weight @ ballots(rub, fmt)


def greedy_by_votes(rub: Rubric, scores: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Add items by descending score (positive only), each with its requirements, while feasible.

    From the empty package, or from a feasible `start` (MES's completion).
    """
    x = np.zeros(rub.n_items, dtype=np.int8) if start is None else np.array(start, dtype=np.int8)
    for k in np.argsort(-scores, kind="stable"):
        if scores[k] <= 0 or x[k]:
            continue
        y = x.copy()
        y[k] = 1
        y = rub.closure(y)
        if rub.feasible(y):
            x = y
    return x


def voter_multiplicities(rub: Rubric) -> np.ndarray:
    """Integer voter weights proportional to `vote_scores`' (group size / the group's voters)."""
    members = np.bincount(rub.unit_group, minlength=rub.n_groups)
    present = np.unique(rub.unit_group)                    # one weight per group, shared by its voters
    weight = [Fraction(float(rub.sizes[g])).limit_denominator(10**6) / int(members[g]) for g in present]
    per_group = np.zeros(rub.n_groups, dtype=np.int64)
    per_group[present] = _integers(weight)
    return per_group[rub.unit_group]


def _integers(weight: list[Fraction]) -> np.ndarray:
    """Integer weights proportional to exact fractions (MES counts voters)."""
    scale = math.lcm(*(w.denominator for w in weight))
    return np.array([int(w * scale) for w in weight], dtype=np.int64)


@dataclass(eq=False)
class _VoteWorth:
    """What `repair` needs to judge items by their vote score (the vote knows nothing else)."""

    rubric: Rubric
    repair_worth: np.ndarray


def mes_by_votes(rub: Rubric, fmt: str) -> np.ndarray:
    """MES (cost satisfaction, by budget increase) on the approval ballots, repaired, completed by greedy.

    Raises `sim.pb.mes.MESStepLimit` when MES does not settle within MAX_MES_VOTE_STEPS budget steps.
    """
    return _mes(rub, ballots(rub, fmt) > 0, voter_multiplicities(rub), vote_scores(rub, fmt))


def _mes(rub: Rubric, approvals: np.ndarray, multiplicities: np.ndarray, scores: np.ndarray) -> np.ndarray:
    from sim.core.limits import MAX_MES_VOTE_STEPS
    from sim.pb.mes import mes_approval

    x = np.zeros(rub.n_items, dtype=np.int8)
    x[mes_approval(rub.costs, rub.budget, approvals, multiplicities, max_steps=MAX_MES_VOTE_STEPS)] = 1
    if not rub.feasible(x):
        x, _ = repair(_VoteWorth(rub, scores), x)
    return greedy_by_votes(rub, scores, start=x)


def has_mes() -> bool:
    """Whether pabutools (extra `[pb]`) is installed: the `mes` aggregation needs it."""
    return importlib.util.find_spec("pabutools") is not None


def _mes_outcome(rub: Rubric, fmt: str) -> tuple[np.ndarray | None, str | None]:
    """(the `mes` vote's package, None), or (None, why it is not counted); once per rubric and format."""
    from sim.core.limits import MAX_MES_VOTE_BALLOTS, MAX_MES_VOTE_STEPS
    from sim.pb.mes import MESStepLimit

    def build() -> tuple[np.ndarray | None, str | None]:
        distinct = len(np.unique(ballots(rub, fmt) > 0, axis=0))
        if distinct > MAX_MES_VOTE_BALLOTS:
            return None, (f"{distinct:,} distinct ballots, above the limit of {MAX_MES_VOTE_BALLOTS:,} "
                          "(sim.core.limits)")
        try:
            return mes_by_votes(rub, fmt), None
        except MESStepLimit:
            return None, (f"MES by budget increase did not settle within {MAX_MES_VOTE_STEPS:,} budget steps "
                          "of 1% (sim.core.limits)")
    return owned(rub, f"votes:mes:{fmt}", build)


def mes_skipped(rub: Rubric, fmt: str) -> str | None:
    """Why the `mes` vote of a format is not counted, or None when it is (benchmark.votes.skipped says so).

    pabutools' MES by budget increase grows with the distinct ballots (above MAX_MES_VOTE_BALLOTS: a
    city of members) and with the budget steps it needs: when the few supporters of a project weigh
    little among many counted ballots, it funds that project only thousands of times the budget up
    (seen: 40,000 members, 7 distinct ballots, millions of steps); above MAX_MES_VOTE_STEPS it stops.
    """
    return _mes_outcome(rub, fmt)[1]


def vote_packages(rub: Rubric, formats=FORMATS) -> dict[str, np.ndarray]:
    """`format/aggregation` -> package, computed once per rubric and format list."""
    def build() -> dict[str, np.ndarray]:
        out = {}
        for fmt in formats:
            s = vote_scores(rub, fmt)
            out[f"{fmt}/greedy"] = greedy_by_votes(rub, s)
            out[f"{fmt}/utilitarian"] = np.asarray(linear_optimum(rub, s), dtype=np.int8)
            if fmt in APPROVAL_FORMATS and has_mes() and mes_skipped(rub, fmt) is None:
                out[f"{fmt}/mes"] = _mes_outcome(rub, fmt)[0]
        return out
    return owned(rub, "votes:" + ",".join(formats), build)


def stated_vote_packages(rub, fmt: str, stated: dict[int, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """The packages the one-shot aggregations would choose from the ballots as stated (group -> item indices).

    Each stated ballot weighs its group's public size; the same aggregations as the vote benchmark
    (greedy, utilitarian, mes for approval formats); nothing when no group cast a ballot. A mediator's
    candidates (agents.listening): these are the ballots it heard, never the truthful benchmark ones.
    """
    if not stated:
        return {}
    groups = sorted(stated)
    B = np.array([named_scores(fmt, stated[g], rub.n_items) for g in groups])
    s = rub.sizes[groups] @ B
    out = {"greedy": greedy_by_votes(rub, s), "utilitarian": np.asarray(linear_optimum(rub, s), dtype=np.int8)}
    if parse_ballot(fmt)[0] in ("threshold", "knapsack", "approve") and has_mes():
        from sim.pb.mes import MESStepLimit

        weight = [Fraction(float(rub.sizes[g])).limit_denominator(10**6) for g in groups]
        try:
            out["mes"] = _mes(rub, B > 0, _integers(weight), s)
        except MESStepLimit:                    # the benchmark skips it too (mes_skipped): not a candidate
            pass
    return out


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
    return _copied(table[key])


def _copied(value):
    """A copy of JSON-like data (dicts and lists copied, scalars and strings shared): deepcopy without its memo."""
    if isinstance(value, dict):
        return {k: _copied(v) if isinstance(v, (dict, list, tuple)) else v for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copied(v) if isinstance(v, (dict, list, tuple)) else v for v in value)
    return value


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
    skipped = {f"{fmt}/mes": why for fmt in APPROVAL_FORMATS if has_mes() and (why := mes_skipped(rub, fmt))}
    return {"negotiated": {"total": neg.total, "worst_group": neg.worst_group, "p20": neg.p20},
            "ballots": rows, "best": best, "skipped": skipped}


_FORMAT_WORDS = {"threshold": "threshold approval ballots", "knapsack": "knapsack ballots",
                 "value_rank": "rankings by value", "vfm_rank": "rankings by value for money",
                 "approve": "approve-{:g} ballots", "rank": "top-{:g} rankings"}
_AGGREGATION_WORDS = {"greedy": "funded greedily by votes", "utilitarian": "the best package by votes",
                      "mes": "Method of Equal Shares"}


def vote_name(key: str) -> str:
    """A vote's key ("knapsack/mes") in words for a reader ("knapsack ballots, Method of Equal Shares")."""
    fmt, _, aggregation = key.partition("/")
    name, option = parse_ballot(fmt)
    words = _FORMAT_WORDS[name].format(option)              # only approve-K and top-K have a slot
    if name == "threshold" and option is not None:
        words += f" (threshold {option:g})"
    return f"{words}, {_AGGREGATION_WORDS[aggregation]}"


def votes_line(votes: dict) -> str:
    """One line for `negsim run`: the negotiated package against the best vote (named in words)."""
    neg, best = votes["negotiated"], votes["ballots"][votes["best"]]
    return (f"negotiated vs best vote ({vote_name(votes['best'])}): total utility {neg['total']:.2f} vs "
            f"{best['total']:.2f} points, worst group {neg['worst_group']:.2f} vs {best['worst_group']:.2f} points")
