"""The seed paper's headline on a scenario: negotiated vs the best base design, per seed and by exact search.

Prints in how many seeds the negotiated package beats the best base design on total, worst group,
P20 and Gini (each, and all four), under the chosen beliefs, and how many feasible packages within
the budget beat it on all four (`sim.analysis.headline`), with the best of them by total.

Usage: python benchmarks/bench_headline.py [SCENARIO] [--seeds 20] [--beliefs item_values+decisions+ideal,weights]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # this checkout\'s packages, not an install elsewhere


def main() -> None:
    from agents.beliefs import belief_settings
    from sim.analysis.headline import beating_packages, headline_counts
    from sim.core.context import make_context
    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_negotiation

    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios/montreal_streets.yaml"))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--beliefs", default="item_values+decisions+ideal,weights")
    args = parser.parse_args()
    ctx = make_context(load_scenario(Path(args.scenario)))
    print(f"best base design: {ctx.best_base}; {args.seeds} seeds")
    for name in args.beliefs.split(","):
        config = {"mediator_options": {"beliefs": belief_settings(name)}}
        runs = [run_negotiation(ctx, RunConfig(seed=s, **config)) for s in range(args.seeds)]
        print(f"{name}: seeds where negotiated beats {ctx.best_base}: {headline_counts(ctx, runs)}")
    cpu = time.process_time()
    X, ok, m = beating_packages(ctx)
    print(f"exact search: {int(ok.sum())} of {len(X)} feasible packages beat {ctx.best_base} on all four "
          f"({time.process_time() - cpu:.1f} CPU-s)")
    if ok.any():
        i = np.flatnonzero(ok)[np.argmax(m["total"][ok])]
        print(f"best of them by total: {', '.join(ctx.rubric.ids(X[i]))}: total {m['total'][i]:.2f}, worst "
              f"{m['worst_group'][i]:.3f}, P20 {m['p20'][i]:.3f} (base {m['base_p20'][i]:.3f}), Gini {m['gini'][i]:.4f}")


if __name__ == "__main__":
    main()
