"""Where the private mediator's gap to the omniscient one lies: in the belief, or in the protocol around it.

A diagnostic, not a setting: per shipped scenario, the mean worst group and total (seeds 0-19) of
- `private`: today's run (the default belief learns item values from statements);
- `oracle`: the same private protocol, but the belief's mean is the true item values and their
  uncertainty 0 (`agents.beliefs.Beliefs.mean_params` and `private_sd` replaced in this process);
- `oracle+pool`: the oracle, with the omniscient mediator's pool (its objectives' optima, every
  group's best package and the Pareto frontier) added to the public candidate pool;
- `oracle+reservations`: the oracle, with each group's next need read from its stated reservation
  (the omniscient mediator's thresholds) instead of the public concession model;
- `full`: the omniscient mediator.
If `oracle` falls as short of `full` as `private` does, a better belief cannot close the gap.

Usage: python benchmarks/bench_oracle.py [SCENARIO ...] [--seeds 20] [--modes private,oracle,...]
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
MODES = ("private", "oracle", "oracle+pool", "oracle+reservations", "full")


def patched(mode: str, ctx):
    """Install the mode's replacements in this process; return a function that removes them."""
    import agents.beliefs as beliefs
    import agents.knowledge as knowledge
    import agents.mediators as mediators

    V = ctx.rubric.values
    saved = [(beliefs.Beliefs, "mean_params"), (beliefs.Beliefs, "private_sd"),
             (knowledge.BeliefKnowledge, "pool"), (mediators.RuleMediator, "_thresholds")]
    saved = [(owner, name, owner.__dict__[name]) for owner, name in saved]
    if mode.startswith("oracle"):
        beliefs.Beliefs.mean_params = lambda self: np.hstack([np.zeros((len(V), self.C)), V])
        beliefs.Beliefs.private_sd = lambda self, X: np.zeros((len(np.atleast_2d(X)), len(V)))
    if mode == "oracle+pool":
        extra = knowledge.mediation_pool(ctx, knowledge.pool_objectives("negotiated"))
        public = saved[2][2]
        knowledge.BeliefKnowledge.pool = lambda self: np.unique(np.vstack([public(self), extra]), axis=0)
    if mode == "oracle+reservations":
        concession = saved[3][2]

        def stated(self, x, replies, objections):
            support, self.support = self.support, None       # the full-information branch: stated reservations
            try:
                return concession(self, x, replies, objections)
            finally:
                self.support = support
        mediators.RuleMediator._thresholds = stated

    def restore() -> None:
        for owner, name, value in saved:
            setattr(owner, name, value)
    return restore


def figures(path: Path, mode: str, seeds: list[int]) -> tuple[np.ndarray, np.ndarray]:
    from sim.core.context import make_context
    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_over_seeds

    scenario = load_scenario(path)
    restore = patched(mode, make_context(scenario))
    try:
        runs = run_over_seeds(scenario, RunConfig(information="full" if mode == "full" else "private"), seeds)
    finally:
        restore()
    worst = np.array([r.benchmark["votes"]["negotiated"]["worst_group"] for r in runs])
    total = np.array([r.benchmark["votes"]["negotiated"]["total"] for r in runs])
    return worst, total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenarios", nargs="*")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--modes", default=",".join(MODES))
    args = parser.parse_args()
    paths = [Path(p) for p in args.scenarios] or [ROOT / "scenarios" / f"{s}.yaml" for s in SHIPPED]
    modes, seeds = args.modes.split(","), list(range(args.seeds))
    cpu = time.process_time()
    print("| scenario | " + " | ".join(f"{m}: worst (se) / total" for m in modes) + " |")
    print("|---|" + "---|" * len(modes))
    for path in paths:
        cells = []
        for mode in modes:
            worst, total = figures(path, mode, seeds)
            cells.append(f"{worst.mean():.3f} ({worst.std(ddof=1) / np.sqrt(len(worst)):.3f}) / {total.mean():.2f}")
        print(f"| {path.stem} | " + " | ".join(cells) + " |", flush=True)
    print(f"\n{args.seeds} seeds, CPU {time.process_time() - cpu:.0f} s")


if __name__ == "__main__":
    main()
