"""Does speaking pay? Per scenario and group: own utility truthful vs silent vs exaggerate:K.

One group deviates at a time, every other group truthful, over paired seeds
(`sim.analysis.incentives`). Prints a markdown row per (group, deviation), the counts
"deviation pays / truth pays / neither" per deviation, and the mean worst group when all are
truthful; the table of docs/private-information.md comes from here.

Usage: python benchmarks/bench_incentives.py [SCENARIO ...] [--seeds 30] [--information private]
       [--deviations silent,exaggerate:2,exaggerate:4] [--beliefs item_values+decisions]
       [--elicitation value_rank] [--standing slack]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # this checkout\'s packages, not an install elsewhere
SHIPPED = ("montreal_streets", "park_renovation", "pb_neighbourhood", "tiny_example")


def main() -> None:
    from agents.beliefs import BELIEFS, belief_settings
    from sim.analysis.incentives import VERDICTS, counts, incentive_table, outcome_packages
    from sim.core.context import make_context
    from sim.core.scenario import load_scenario

    parser = argparse.ArgumentParser()
    parser.add_argument("scenarios", nargs="*")
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--information", default="private", choices=("private", "full"))
    parser.add_argument("--deviations", default="silent,exaggerate:2,exaggerate:4")
    parser.add_argument("--elicitation", default=None, help="e.g. value_rank (default: each scenario's own)")
    parser.add_argument("--beliefs", default=None, help=f"one of {BELIEFS}, optionally +decisions (default: the "
                        "mediator's default belief)")
    parser.add_argument("--standing", default="", help="agents.ranking.STANDING variant (default: today's rule)")
    args = parser.parse_args()
    mediator = {**({"beliefs": belief_settings(args.beliefs)} if args.beliefs else {}),
                **({"standing": args.standing} if args.standing else {})} or None
    paths = [Path(p) for p in args.scenarios] or [ROOT / "scenarios" / f"{s}.yaml" for s in SHIPPED]
    deviations = [d for d in args.deviations.split(",") if d]
    seeds = list(range(args.seeds))
    cpu, rows, worst = time.process_time(), [], {}
    print("| scenario | group | deviation | mean diff | se | differs | verdict |")
    print("|---|---|---|---:|---:|---:|---|")
    for path in paths:
        ctx = make_context(load_scenario(path), information=args.information, elicitation=args.elicitation)
        base = outcome_packages(ctx, seeds, "truthful", mediator)
        worst[path.stem] = float((base @ ctx.rubric.values.T).min(axis=1).mean())
        for r in incentive_table(ctx, seeds, deviations, truthful=base, mediator=mediator):
            rows.append(r)
            print(f"| {path.stem} | {r.group} | {r.deviation} | {r.mean:+.3f} | {r.se:.3f} | {r.differs:.2f} "
                  f"| {r.verdict} |", flush=True)
    n_groups = len(rows) // max(1, len(deviations))
    for dev in deviations:
        c = counts(rows, dev)
        print(f"{dev} ({args.information}, {len(seeds)} seeds, {n_groups} groups): "
              + ", ".join(f"{v} {c[v]}" for v in VERDICTS))
    for name, w in worst.items():
        print(f"{name}: mean worst group, all truthful: {w:.3f}")
    print(f"{time.process_time() - cpu:.0f} CPU-s")


if __name__ == "__main__":
    main()
