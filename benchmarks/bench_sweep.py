"""Sweep throughput: a 2,000-run rule-based sweep of the default scenario on 1 and 2 workers.

Prints runs per second, the parallel speed-up and efficiency, the per-run overhead of the
sweep machinery beyond the negotiation itself, and peak memory (RSS of this process and of
its worker processes).

Usage: python benchmarks/bench_sweep.py [--runs 2000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEDIATORS = ["negotiated", "maximin", "nash", "utilitarian"]


def write_sweep(folder: Path, runs: int) -> Path:
    path = folder / "bench_sweep.yaml"
    path.write_text(f"name: bench\nscenario: {ROOT / 'scenarios' / 'montreal_streets.yaml'}\n"
                    f"seed: 1\nseeds: {runs // len(MEDIATORS)}\nchunk_size: 50\n"
                    f"axes:\n  - {{name: mediator, values: {MEDIATORS}}}\n")
    return path


def bare_seconds(plan) -> float:
    """The same negotiations with run_negotiation alone, one context per mediator (warm)."""
    from sim.context import make_context
    from sim.runner import RunConfig, run_negotiation
    from sim.scenario import load_scenario

    scenario = load_scenario(plan.source)
    contexts = {m: make_context(scenario, mediator=m) for m in MEDIATORS}
    for m in MEDIATORS:
        run_negotiation(contexts[m], RunConfig(seed=0))
    start = time.perf_counter()
    for task in plan.tasks:
        run_negotiation(contexts[task.mediator], RunConfig(seed=task.seed))
    return time.perf_counter() - start


def main() -> None:
    from sim.sweep import build_plan, load_sweep
    from sim.sweep_exec import execute

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sweep = write_sweep(tmp, args.runs)
        plan = build_plan(load_sweep(sweep), sweep)
        n = len(plan.tasks)
        times = {}
        for workers in (1, 2):
            out = execute(plan, tmp / f"w{workers}", workers=workers)
            assert out.failures == 0 and out.executed == n
            times[workers] = out.seconds
            print(f"{workers} worker(s): {n} runs in {out.seconds:.2f} s = {n / out.seconds:.1f} runs/s")
        bare = bare_seconds(plan)
    speedup = times[1] / times[2]
    print(f"speed-up on 2 workers: {speedup:.2f}x (parallel efficiency {speedup / 2:.0%})")
    print(f"bare run_negotiation, warm contexts: {n / bare:.1f} runs/s; sweep overhead per run "
          f"(1 worker, incl. context builds and parquet writes): {(times[1] - bare) / n * 1000:.2f} ms")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {own:.0f} MB, largest worker {kids:.0f} MB")


if __name__ == "__main__":
    main()
