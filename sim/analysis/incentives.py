"""Does speaking pay? A group's own utility when it alone deviates from truthful, over paired seeds.

`incentive_table` runs every group of a scenario truthful, then each group alone silent or
exaggerating (every other group truthful), on the same seeds. For each (group, deviation): the
mean difference deviation - truthful in the group's own utility, its paired standard error, the
share of seeds whose package differs, and a verdict at 2 standard errors ("deviation pays" /
"truth pays" / "neither"). `benchmarks/bench_incentives.py` prints it; docs/private-information.md
holds the table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.context import NegotiationContext
from sim.run.runner import RunConfig, run_negotiation

VERDICTS = ("deviation pays", "truth pays", "neither")


@dataclass(frozen=True)
class Incentive:
    """One group's incentive to deviate: own utility deviating minus truthful, over paired seeds."""

    group: str
    deviation: str
    mean: float
    se: float
    differs: float        # share of seeds whose package differs
    verdict: str


def outcome_packages(ctx: NegotiationContext, seeds: list[int], voice: str,
                     mediator: dict | None = None) -> np.ndarray:
    """(seeds, items) outcome package of each seed under one voice setting (`mediator`: its options)."""
    return np.array([run_negotiation(ctx, RunConfig(seed=s, voice=voice, mediator_options=mediator or {})).outcome.package
                     for s in seeds])


def verdict(diff: np.ndarray, z: float = 2.0) -> tuple[float, float, str]:
    """(mean, paired standard error, verdict at z standard errors) of per-seed differences deviation - truthful."""
    diff = np.asarray(diff, dtype=float)
    mean = float(diff.mean())
    se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
    if mean > z * se and mean > 1e-9:
        return mean, se, VERDICTS[0]
    if mean < -z * se and mean < -1e-9:
        return mean, se, VERDICTS[1]
    return mean, se, VERDICTS[2]


def incentive_table(ctx: NegotiationContext, seeds: list[int], deviations: list[str],
                    truthful: np.ndarray | None = None, mediator: dict | None = None) -> list[Incentive]:
    """One Incentive per (group, deviation); `truthful`: the all-truthful packages when already run."""
    values = ctx.rubric.values
    base = outcome_packages(ctx, seeds, "truthful", mediator) if truthful is None else truthful
    rows = []
    for g, gid in enumerate(ctx.rubric.group_ids):
        for dev in deviations:
            other = outcome_packages(ctx, seeds, f"truthful,{gid}={dev}", mediator)
            mean, se, say = verdict(other @ values[g] - base @ values[g])
            rows.append(Incentive(gid, dev, mean, se, float((other != base).any(axis=1).mean()), say))
    return rows


def counts(rows: list[Incentive], deviation: str) -> dict[str, int]:
    """How many groups each verdict has for one deviation."""
    says = [r.verdict for r in rows if r.deviation == deviation]
    return {v: says.count(v) for v in VERDICTS}
