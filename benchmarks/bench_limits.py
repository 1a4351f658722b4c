"""Print what this machine finishes at the scenario size limits (sim.core.limits): CPU seconds, peak memory.

Each size runs in its own process (python benchmarks/bench_limits.py ITEMS GROUPS CRITERIA MEMBERS) so its
peak memory is its own; without arguments the default table of sizes is measured, each with a time limit.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

import numpy as np
import yaml

SIZES = [(20, 8, 8, 0), (100, 32, 8, 3_200), (400, 256, 8, 100_000), (500, 300, 64, 100_000)]
LIMIT_SECONDS = 600


def scenario_dict(n_items: int, n_groups: int, n_criteria: int, members: int, seed: int = 0) -> dict:
    """A valid scenario of the given size (members drawn by dispersion, spread evenly over groups)."""
    rng = np.random.default_rng(seed)
    crit = [f"c{i}" for i in range(n_criteria)]
    items = [{"id": f"i{k}", "cost": float(rng.integers(1, 50)),
              "effects": {c: float(rng.integers(-2, 6)) for c in crit}} for k in range(n_items)]
    per_group = min(1000, members // n_groups) if members else 0
    groups = []
    for g in range(n_groups):
        group = {"id": f"g{g}", "size": float(rng.integers(1, 100)),
                 "weights": {c: float(rng.integers(0, 4)) + (1.0 if i == 0 else 0.0) for i, c in enumerate(crit)}}
        if per_group:
            group["dispersion"] = {"members": per_group, "spread": 0.1}
        groups.append(group)
    budget = 0.4 * sum(i["cost"] for i in items)
    return {"name": f"limits-{n_items}x{n_groups}", "budget": budget, "criteria": [{"id": c} for c in crit],
            "items": items, "groups": groups, "base_designs": {"first": [items[0]["id"]]},
            "protocol": {"max_rounds": 10, "seed": seed}}


def measure(n_items: int, n_groups: int, n_criteria: int, members: int) -> None:
    """Print CPU seconds to parse+validate and to run one negotiation, and the peak RSS."""
    from sim.core.scenario import loads_scenario
    from sim.run.runner import RunConfig, run_negotiation

    text = yaml.safe_dump(scenario_dict(n_items, n_groups, n_criteria, members))
    t0 = time.process_time()
    scenario = loads_scenario(text, "bench")
    t1 = time.process_time()
    result = run_negotiation(scenario, RunConfig())
    t2 = time.process_time()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{n_items:>5} items {n_groups:>4} groups {n_criteria:>3} criteria {members:>7,} members | "
          f"{len(text) / 1e6:5.2f} MB | load {t1 - t0:6.2f} s | run {t2 - t1:7.2f} s CPU "
          f"({result.outcome.rounds} rounds) | peak {peak_mb:6.0f} MB", flush=True)


def main() -> None:
    """Measure the sizes given on the command line, or the default table (each in a child process)."""
    if len(sys.argv) == 5:
        measure(*map(int, sys.argv[1:]))
        return
    for size in SIZES:
        try:
            subprocess.run([sys.executable, __file__, *map(str, size)], timeout=LIMIT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            print(f"{size}: not finished within {LIMIT_SECONDS} s (wall)", flush=True)


if __name__ == "__main__":
    main()
