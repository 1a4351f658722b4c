"""Print what this machine finishes at given scenario sizes, and the work estimate (sim.run.work) beside it.

    python benchmarks/bench_limits.py                 # the size-limit table (sim.core.limits)
    python benchmarks/bench_limits.py --estimate      # estimate vs measured CPU-s over a grid of sizes
    python benchmarks/bench_limits.py --fit           # the same grid, and the fitted work coefficients
    python benchmarks/bench_limits.py --held-out      # estimate vs measured on scenarios the fit never saw
    python benchmarks/bench_limits.py ITEMS GROUPS CRITERIA MEMBERS [INFORMATION]   # one size

Each size runs in its own process (so its peak memory is its own) under a CPU-time cap; CPU seconds from
`time.process_time`. The fit is least squares on logs: enumeration seconds per 2^K x (G + 8) cell, the MILP
search a K^b G^c per information mode (measured run minus the ballots and members terms), knapsack ballots
a K^b per voter.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # this checkout's packages, not an install elsewhere

SIZES = [(20, 8, 8, 0), (100, 32, 8, 3_200), (400, 256, 8, 100_000), (500, 300, 64, 100_000)]
GRID = [(K, G, 8, 0, info) for K in (12, 16, 20) for G in (4, 16) for info in ("private", "full")] + \
       [(K, G, 8, 0, info) for K in (30, 50, 100) for G in (4, 16, 64) for info in ("private", "full")] + \
       [(200, 16, 8, 0, "private"), (200, 16, 8, 0, "full"), (12, 100, 8, 100_000, "private"),
        (30, 4, 8, 400, "private"), (100, 4, 8, 400, "private")]
LIMIT_SECONDS = 300


def scenario_dict(n_items: int, n_groups: int, n_criteria: int, members: int, seed: int = 0) -> dict:
    """A valid scenario of the given size (members drawn by dispersion, spread evenly over groups)."""
    rng = np.random.default_rng(seed)
    crit = [f"c{i}" for i in range(n_criteria)]
    items = [{"id": f"i{k}", "cost": float(rng.integers(1, 50)),
              "effects": {c: float(rng.integers(-2, 6)) for c in crit}} for k in range(n_items)]
    per_group = min(1000, members // n_groups) if members else 0     # dispersion draws at most 1,000 per group
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


def measure(n_items: int, n_groups: int, n_criteria: int, members: int, information: str = "private") -> dict:
    """CPU seconds to parse+validate and to run one negotiation, the estimate and the peak RSS (printed as JSON)."""
    from sim.core.scenario import loads_scenario
    from sim.run.runner import RunConfig, run_negotiation
    from sim.run.work import estimate_work

    text = yaml.safe_dump(scenario_dict(n_items, n_groups, n_criteria, members))
    t0 = time.process_time()
    scenario = loads_scenario(text, "bench")
    t1 = time.process_time()
    estimate = estimate_work(scenario, information)
    result = run_negotiation(scenario, RunConfig(information=information))
    t2 = time.process_time()
    row = {"items": n_items, "groups": n_groups, "criteria": n_criteria, "members": members,
           "information": information, "mb": round(len(text) / 1e6, 2), "load": round(t1 - t0, 3),
           "run": round(t2 - t1, 3), "rounds": result.outcome.rounds, "estimate": round(estimate.seconds, 3),
           "terms": {t.quantity: round(t.seconds, 3) for t in estimate.terms},
           "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(json.dumps(row), flush=True)
    return row


HELD_OUT = [("scenarios/montreal_streets.yaml", "private"), ("scenarios/montreal_streets.yaml", "full"),
            ("scenarios/pb_neighbourhood.yaml", "private"), ("scenarios/pb_neighbourhood.yaml", "full"),
            ("random:44:8", "full"), ("random:44:32", "private"), ("random:150:16", "private"), ("random:80:16", "full")]


def held_out(source: str, information: str) -> None:
    """Estimate vs measured CPU-s of one run of a scenario the fit never saw (a shipped file or sim.testing's random)."""
    from pathlib import Path

    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_negotiation
    from sim.run.work import estimate_work
    from sim.testing import random_scenario

    if source.startswith("random:"):
        _, k, g = source.split(":")
        scenario = random_scenario(0, int(k), int(g))
    else:
        scenario = load_scenario(Path(__file__).resolve().parents[1] / source)
    estimate = estimate_work(scenario, information)
    t0 = time.process_time()
    run_negotiation(scenario, RunConfig(information=information))
    run = time.process_time() - t0
    print(f"{source:>34} {information:>7} | run {run:7.2f} CPU-s | estimate {estimate.seconds:7.2f} "
          f"(x{estimate.seconds / run:4.2f}, mostly {estimate.largest.quantity})", flush=True)


def child(size: tuple, cap: float = LIMIT_SECONDS) -> dict | None:
    """Measure one size in a child process under a CPU cap; None when it did not finish."""
    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (int(cap), int(cap) + 5))
    proc = subprocess.run([sys.executable, __file__, *map(str, size)], capture_output=True, text=True,
                          preexec_fn=limits, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if lines else None


def fit(rows: list[dict]) -> dict:
    """Least-squares fits on logs of the measured rows (see the module docstring)."""
    from sim.run.work import BALLOT_FIT, ENUM_EXTRA_COLUMNS, ENUM_MAX_ITEMS, RUN_BASE_SECONDS

    out = {}
    big = [r for r in rows if ENUM_MAX_ITEMS - 4 < r["items"] <= ENUM_MAX_ITEMS and not r["members"]]
    enum = [r for r in big if r["information"] == "full"]          # below 2^17 packages the fixed cost dominates
    cells = [2 ** r["items"] * (r["groups"] + ENUM_EXTRA_COLUMNS) for r in enum]
    out["enum_seconds_per_cell"] = float(np.median([(r["run"] - RUN_BASE_SECONDS) / c for r, c in zip(enum, cells)]))
    priv = {(r["items"], r["groups"]): r["run"] - RUN_BASE_SECONDS for r in big if r["information"] == "private"}
    out["enum_private_factor"] = float(np.median([priv[(r["items"], r["groups"])] / (r["run"] - RUN_BASE_SECONDS)
                                                  for r in enum if (r["items"], r["groups"]) in priv]))
    for info in ("private", "full"):
        milp = [r for r in rows if r["items"] > ENUM_MAX_ITEMS and r["information"] == info and not r["members"]]
        a_b, b_b = BALLOT_FIT
        y = [np.log(max(r["run"] - r["groups"] * a_b * r["items"] ** b_b, 1e-3)) for r in milp]
        A = np.array([[1.0, np.log(r["items"]), np.log(r["groups"])] for r in milp])
        coef, *_ = np.linalg.lstsq(A, np.array(y), rcond=None)
        out[f"milp_{info}"] = (float(np.exp(coef[0])), float(coef[1]), float(coef[2]))
    return out


def main() -> None:
    """The one size on the command line, or the grid (--estimate, --fit), or the size-limit table."""
    args = sys.argv[1:]
    if args and args[0] == "--held-out":
        for source, information in HELD_OUT if len(args) == 1 else [tuple(args[1:3])]:
            if len(args) == 1:
                subprocess.run([sys.executable, __file__, "--held-out", source, information], check=False)
            else:
                held_out(source, information)
        return
    if args and args[0][0].isdigit():
        measure(*map(int, args[:4]), *args[4:5])
        return
    sizes = GRID if args and args[0] in ("--estimate", "--fit") else [(*s, "private") for s in SIZES]
    rows = []
    for size in sizes:
        row = child(size)
        if row is None:
            print(f"{size}: not finished within {LIMIT_SECONDS} CPU-s", flush=True)
            continue
        rows.append(row)
        print(f"{row['items']:>4} items {row['groups']:>4} groups {row['members']:>7,} members {row['information']:>7} | "
              f"load {row['load']:6.2f} | run {row['run']:7.2f} CPU-s ({row['rounds']} rounds) | estimate "
              f"{row['estimate']:7.2f} (x{row['estimate'] / max(row['run'], 1e-3):4.2f}) | peak {row['peak_mb']} MB",
              flush=True)
    if args and args[0] == "--fit":
        print(json.dumps(fit(rows), indent=1))


if __name__ == "__main__":
    main()
