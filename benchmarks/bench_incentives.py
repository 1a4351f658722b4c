"""Does speaking pay? Per scenario and group: own utility truthful vs silent vs exaggerate:K.

One group deviates at a time, every other group truthful, over paired seeds. For each group and
deviation: mean difference (deviation - truthful), its paired standard error, the share of seeds
whose package differs, and a verdict at 2 standard errors ("deviation pays" / "truth pays" /
"neither"). Counts per deviation at the end; the table of docs/private-information.md comes from here.

Usage: python benchmarks/bench_incentives.py [SCENARIO ...] [--seeds 30] [--information private]
       [--deviations silent,exaggerate:2,exaggerate:4]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("montreal_streets", "park_renovation", "pb_neighbourhood", "tiny_example")


def packages(ctx, seeds: list[int], voice: str) -> np.ndarray:
    """(seeds, items) outcome package of each paired seed under one voice setting."""
    from sim.run.runner import RunConfig, run_negotiation

    return np.array([run_negotiation(ctx, RunConfig(seed=s, voice=voice)).outcome.package for s in seeds])


def verdict(diff: np.ndarray) -> tuple[float, float, str]:
    """(mean, paired se, verdict at 2 se) of per-seed differences deviation - truthful."""
    mean = float(diff.mean())
    se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
    if mean > 2 * se and mean > 1e-9:
        return mean, se, "deviation pays"
    if mean < -2 * se and mean < -1e-9:
        return mean, se, "truth pays"
    return mean, se, "neither"


def scenario_table(path: Path, seeds: list[int], information: str, deviations: list[str]) -> list[dict]:
    """One row per (group, deviation) of one scenario."""
    from sim.core.context import make_context
    from sim.core.scenario import load_scenario

    ctx = make_context(load_scenario(path), information=information)
    values = ctx.rubric.values
    base = packages(ctx, seeds, "truthful")
    worst = (base @ values.T).min(axis=1)
    rows = []
    for g, gid in enumerate(ctx.rubric.group_ids):
        for dev in deviations:
            other = packages(ctx, seeds, f"truthful,{gid}={dev}")
            mean, se, say = verdict(other @ values[g] - base @ values[g])
            rows.append(dict(scenario=path.stem, group=gid, deviation=dev, mean=mean, se=se, verdict=say,
                             differs=float((other != base).any(axis=1).mean()),
                             worst_truthful=float(worst.mean())))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenarios", nargs="*")
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--information", default="private", choices=("private", "full"))
    parser.add_argument("--deviations", default="silent,exaggerate:2,exaggerate:4")
    args = parser.parse_args()
    paths = [Path(p) for p in args.scenarios] or [ROOT / "scenarios" / f"{s}.yaml" for s in SHIPPED]
    deviations = [d for d in args.deviations.split(",") if d]
    seeds = list(range(args.seeds))
    cpu = time.process_time()
    rows = []
    print("| scenario | group | deviation | mean diff | se | differs | verdict |")
    print("|---|---|---|---:|---:|---:|---|")
    for path in paths:
        for r in scenario_table(path, seeds, args.information, deviations):
            rows.append(r)
            print(f"| {r['scenario']} | {r['group']} | {r['deviation']} | {r['mean']:+.3f} | {r['se']:.3f} "
                  f"| {r['differs']:.2f} | {r['verdict']} |", flush=True)
    n_groups = len({(r["scenario"], r["group"]) for r in rows})
    for dev in deviations:
        says = [r["verdict"] for r in rows if r["deviation"] == dev]
        print(f"{dev} ({args.information}, {len(seeds)} seeds, {n_groups} groups): deviation pays "
              f"{says.count('deviation pays')}, truth pays {says.count('truth pays')}, neither {says.count('neither')}")
    for path in paths:
        w = [r["worst_truthful"] for r in rows if r["scenario"] == path.stem][:1]
        print(f"{path.stem}: mean worst group, all truthful: {w[0]:.3f}" if w else "")
    print(f"{time.process_time() - cpu:.0f} CPU-s")


if __name__ == "__main__":
    main()
