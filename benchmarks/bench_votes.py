"""A vote to beat: the negotiation's mean worst group and total vs the best one-shot vote.

Per shipped scenario, over seeds, with the scenario's own protocol (or `--information`): the
negotiated package's mean total and worst group, and the best vote's (highest worst group, then
total; votes do not depend on the seed), from each run's summary benchmark.votes
(`sim.run.votes`). Done-when (issue 19, item 5): worst group at least the best vote's, total
within 3% of it. The table of docs/private-information.md comes from here.

Usage: python benchmarks/bench_votes.py [SCENARIO ...] [--seeds 20] [--information private|full]
       [--elicitation knapsack] [--beliefs item_values+decisions]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # this checkout\'s packages, not an install elsewhere
SHIPPED = ("montreal_streets", "park_renovation", "pb_neighbourhood", "tiny_example")


def row(name: str, results: list) -> str:
    votes = [r.benchmark["votes"] for r in results]
    neg_total = np.mean([v["negotiated"]["total"] for v in votes])
    neg_worst = np.mean([v["negotiated"]["worst_group"] for v in votes])
    key = votes[0]["best"]
    best = votes[0]["ballots"][key]
    kept = {k: b for k, b in votes[0]["ballots"].items() if not b["red_lines_broken"]}
    safe = max(kept, key=lambda k: (kept[k]["worst_group"], kept[k]["total"])) if kept else None
    safe_text = f"{kept[safe]['worst_group']:.2f} / {kept[safe]['total']:.2f} ({safe})" if safe else "none"
    ok = neg_worst >= best["worst_group"] - 1e-9 and neg_total >= 0.97 * best["total"]
    return (f"| {name} | {neg_worst:.2f} | {best['worst_group']:.2f} | {neg_total:.2f} | "
            f"{best['total']:.2f} | {100 * (neg_total / best['total'] - 1):+.1f}% | {key} | "
            f"{'yes' if ok else 'no'} | {safe_text} |")


def main() -> None:
    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_over_seeds

    parser = argparse.ArgumentParser()
    parser.add_argument("scenarios", nargs="*")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--information", default=None, choices=("private", "full"))
    parser.add_argument("--elicitation", default=None, help="e.g. knapsack (default: each scenario's own)")
    parser.add_argument("--beliefs", default=None, help="e.g. item_values+decisions (default: the mediator's)")
    args = parser.parse_args()
    from agents.beliefs import belief_settings
    options = {"beliefs": belief_settings(args.beliefs)} if args.beliefs else {}
    paths = [Path(p) for p in args.scenarios] or [ROOT / "scenarios" / f"{s}.yaml" for s in SHIPPED]
    cpu = time.process_time()
    print("| scenario | worst group, negotiated | worst group, best vote | total, negotiated | "
          "total, best vote | total diff | best vote | done | best vote keeping red lines (worst / total) |")
    print("|---|---:|---:|---:|---:|---:|---|---|---|")
    for path in paths:
        results = run_over_seeds(load_scenario(path), RunConfig(information=args.information, elicitation=args.elicitation,
                                                                   mediator_options=options),
                                 list(range(args.seeds)))
        print(row(path.stem, results), flush=True)
    print(f"\n{args.seeds} seeds, information {args.information or 'as in each scenario'}, elicitation "
          f"{args.elicitation or 'as in each scenario'}, beliefs {args.beliefs or 'default'}, "
          f"CPU {time.process_time() - cpu:.0f} s")


if __name__ == "__main__":
    main()
