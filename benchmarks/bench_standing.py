"""The rule for rounds where no candidate is predicted to pass (`RuleMediator(standing=...)`, off by default).

Per variant of agents.ranking.STANDING ("" is today's rule) and belief (`private`: today's belief; `oracle`:
the true item values as the belief, bench_oracle's patch), seeds 0-19: the mean worst group (se), its share
of the omniscient mediator's, and the total on every shipped scenario; tiny_example's Pareto-optimal count
and its agreements with every group silent. A measurement, not a setting.

Usage: python benchmarks/bench_standing.py [--seeds 20] [--variants ,objective,worst,slack] [--beliefs private,oracle]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # this checkout's packages, not an install elsewhere
from benchmarks.bench_oracle import SHIPPED, patched  # noqa: E402


def runs(name: str, mode: str, standing: str, seeds: list[int], voice: str = "truthful") -> list:
    from sim.core.context import make_context
    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_over_seeds

    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    restore = patched(mode, make_context(scenario))
    options = {"standing": standing} if standing else {}
    try:
        return run_over_seeds(scenario, RunConfig(information="full" if mode == "full" else "private",
                                                  mediator_options=options, voice=voice), seeds)
    finally:
        restore()


def votes(rs: list, key: str) -> np.ndarray:
    return np.array([r.benchmark["votes"]["negotiated"][key] for r in rs])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--variants", default=",objective,worst,slack")
    parser.add_argument("--beliefs", default="private,oracle")
    args = parser.parse_args()
    seeds, cpu = list(range(args.seeds)), time.process_time()
    full = {name: votes(runs(name, "full", "", seeds), "worst_group").mean() for name in SHIPPED}
    print("| variant | belief | " + " | ".join(f"{s} worst (se) / % omn. / total" for s in SHIPPED)
          + " | tiny Pareto | tiny all-silent agreed |")
    print("|---|---|" + "---|" * (len(SHIPPED) + 2))
    for standing in args.variants.split(","):
        for mode in args.beliefs.split(","):
            cells = []
            for name in SHIPPED:
                rs = runs(name, mode, standing, seeds)
                w, t = votes(rs, "worst_group"), votes(rs, "total")
                cells.append(f"{w.mean():.3f} ({w.std(ddof=1) / np.sqrt(len(w)):.3f}) / "
                             f"{100 * w.mean() / full[name]:.1f}% / {t.mean():.2f}")
                if name == "tiny_example":
                    cells.append(f"{sum(r.pareto_optimal for r in rs)} of {len(rs)}")
            silent = runs("tiny_example", mode, standing, seeds, voice="silent")
            cells.append(f"{sum(r.outcome.agreement for r in silent)} of {len(silent)}")
            print(f"| {standing or 'today'} | {mode} | " + " | ".join(cells) + " |", flush=True)
    print("\nomniscient worst: " + ", ".join(f"{k} {v:.3f}" for k, v in full.items()))
    print(f"{args.seeds} seeds, CPU {time.process_time() - cpu:.0f} s")


if __name__ == "__main__":
    main()
