"""Which belief listens best? Done-when figures of issue 19 per belief setting, over seeds.

Per shipped scenario and belief (weights only, named private effects, item values): the mean
worst group and total under private information, the omniscient mediator's mean worst group
(the share is private / omniscient), the best one-shot vote's worst group and total
(`benchmark.votes`), and agreements of tiny_example with every group silent.

Usage: python benchmarks/bench_beliefs.py [SCENARIO ...] [--seeds 20] [--beliefs item_values+decisions+ideal,weights]
       [--elicitation knapsack]
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


def figures(scenario, seeds: list[int], beliefs: str, voice: str = "truthful", elicitation: str | None = None) -> dict:
    """Mean worst group, total and agreements under private information with one belief setting."""
    from agents.beliefs import belief_settings
    from sim.run.runner import RunConfig, run_over_seeds
    config = RunConfig(information="private", voice=voice, elicitation=elicitation,
                       mediator_options={"beliefs": belief_settings(beliefs)})
    runs = run_over_seeds(scenario, config, seeds)
    votes = runs[0].benchmark["votes"]
    best = votes["ballots"][votes["best"]]
    return {"worst": np.mean([r.benchmark["votes"]["negotiated"]["worst_group"] for r in runs]),
            "total": np.mean([r.benchmark["votes"]["negotiated"]["total"] for r in runs]),
            "agreed": sum(bool(r.outcome.agreement) for r in runs),
            "vote_worst": best["worst_group"], "vote_total": best["total"]}


def main() -> None:
    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_over_seeds

    parser = argparse.ArgumentParser()
    parser.add_argument("scenarios", nargs="*")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--beliefs", default="item_values+decisions+ideal,weights")
    parser.add_argument("--elicitation", default=None, help="e.g. knapsack (default: each scenario's own)")
    args = parser.parse_args()
    paths = [Path(p) for p in args.scenarios] or [ROOT / "scenarios" / f"{s}.yaml" for s in SHIPPED]
    seeds = list(range(args.seeds))
    print("| scenario | belief | worst group | of omniscient | total | best vote worst / total | agreed |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for path in paths:
        scenario = load_scenario(path)
        full = run_over_seeds(scenario, RunConfig(information="full"), seeds)
        omniscient = np.mean([r.benchmark["votes"]["negotiated"]["worst_group"] for r in full])
        for name in args.beliefs.split(","):
            cpu = time.process_time()
            f = figures(scenario, seeds, name, elicitation=args.elicitation)
            print(f"| {path.stem} | {name} | {f['worst']:.3f} | {100 * f['worst'] / omniscient:.1f}% | "
                  f"{f['total']:.2f} | {f['vote_worst']:.2f} / {f['vote_total']:.2f} | {f['agreed']}/{len(seeds)} |"
                  f" {time.process_time() - cpu:.1f} CPU-s", flush=True)
    tiny = load_scenario(ROOT / "scenarios/tiny_example.yaml")
    for name in args.beliefs.split(","):
        agreed = figures(tiny, seeds, name, "silent", args.elicitation)["agreed"]
        print(f"tiny_example, every group silent, {name}: {agreed}/{len(seeds)}")


if __name__ == "__main__":
    main()
