"""The full-information benchmark of a run, computed by the engine after the negotiation.

- `max_total` / `max_worst_group` and their packages: the exact optima over feasible packages
  with the groups' true values (what an omniscient planner could reach);
- `efficiency` = total / max_total and `fairness` = worst_group / max_worst_group (None when the
  optimum is not positive);
- `belief_error` per group: the mean absolute difference between the mediator's believed and the
  true utilities over the negotiated package and the base designs, after the last round, and
  `belief_error_prior` the same before anyone spoke (0 under full information; None when the
  mediator does not report beliefs);
- `statements` per group: how many statement fields it made (priorities, ideal package, red
  lines, amendments, reservations, rankings);
- `votes`: one-shot ballots cast truthfully and aggregated within the budget, against the
  negotiated package (sim/run/votes.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.core.context import NegotiationContext
from sim.run.votes import votes_block

STATEMENT_FIELDS = ("priorities", "package", "must_have", "never", "min_utility", "reservation", "ranking")


def _ratio(value: float, best: float) -> float | None:
    return None if best <= 1e-12 else float(value / best)


def statements_per_group(transcript: list[dict], group_ids) -> dict[str, int]:
    """Statement fields each group made in the transcript (each amendment counts once)."""
    counts = dict.fromkeys(group_ids, 0)
    for row in transcript:
        if row.get("role") != "stakeholder" or row.get("agent") not in counts:
            continue
        counts[row["agent"]] += sum(1 for f in STATEMENT_FIELDS if row.get(f) not in (None, [], {}, ""))
        counts[row["agent"]] += len(row.get("amendments") or [])
    return counts


def belief_errors(ctx: NegotiationContext, mediator: Any, package: np.ndarray,
                  round: int | None) -> dict[str, float] | None:
    """Per group mean |believed - true| utility over the package and the base designs (None without beliefs)."""
    reader = getattr(mediator, "believed_utilities", None)
    if not callable(reader):
        return None
    P = np.array([package] + list(ctx.base_packages.values()), dtype=float)
    err = np.abs(np.asarray(reader(P, round), dtype=float) - ctx.rubric.utilities(P)).mean(axis=0)
    return {gid: float(e) for gid, e in zip(ctx.rubric.group_ids, err)}


def benchmark(ctx: NegotiationContext, package: np.ndarray, transcript: list[dict], mediator: Any) -> dict:
    """The benchmark block of summary.json (see the module docstring)."""
    rub = ctx.rubric
    best_total = ctx.search.optimise("utilitarian")
    best_worst = ctx.search.optimise("maximin")
    u = rub.utilities(package)
    max_total, max_worst = float(best_total.utilities.sum()), float(best_worst.utilities.min())
    return {
        "information": ctx.protocol.information, "elicitation": ctx.protocol.elicitation,
        "max_total": max_total, "max_total_package": rub.ids(best_total.package),
        "max_worst_group": max_worst, "max_worst_group_package": rub.ids(best_worst.package),
        "efficiency": _ratio(float(u.sum()), max_total), "fairness": _ratio(float(u.min()), max_worst),
        "belief_error": belief_errors(ctx, mediator, package, None),
        "belief_error_prior": belief_errors(ctx, mediator, package, 0),
        "statements": statements_per_group(transcript, rub.group_ids),
        "votes": votes_block(ctx, package, max_total, max_worst),
    }


def price_line(bench: dict) -> str:
    """One line on the price of private information, for `negsim run`."""
    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{100 * v:.1f}%"
    line = (f"price of {bench['information']} information: efficiency {pct(bench['efficiency'])} of the best "
            f"total ({bench['max_total']:.2f}), fairness {pct(bench['fairness'])} of the best worst-group "
            f"utility ({bench['max_worst_group']:.2f})")
    err, prior = bench.get("belief_error"), bench.get("belief_error_prior")
    if err and bench["information"] == "private":
        line += (f"; mediator belief error {np.mean(list(err.values())):.2f} "
                 f"(before anyone spoke {np.mean(list(prior.values())):.2f})")
    return line
