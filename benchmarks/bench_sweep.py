"""Sweep throughput: a 2,000-run rule-based sweep of the default scenario on 1 and 2 workers.

Prints runs per second, the parallel speed-up and efficiency, the per-run overhead of the
sweep machinery beyond the negotiation itself, and peak memory (RSS of this process and of
its worker processes). On a shared machine wall-clock figures swing with other users' load,
so CPU-time figures are printed too: the overhead in CPU ms per run, and the CPU work of the
2-worker sweep relative to the 1-worker one (the ceiling on the speed-up on idle cores).

Usage: python benchmarks/bench_sweep.py [--runs 2000]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # this checkout\'s packages, not an install elsewhere
MEDIATORS = ["negotiated", "maximin", "nash", "utilitarian"]


def write_sweep(folder: Path, runs: int) -> Path:
    path = folder / "bench_sweep.yaml"
    path.write_text(f"name: bench\nscenario: {ROOT / 'scenarios' / 'montreal_streets.yaml'}\n"
                    f"seed: 1\nseeds: {runs // len(MEDIATORS)}\nchunk_size: 50\n"
                    f"axes:\n  - {{name: mediator, values: {MEDIATORS}}}\n")
    return path


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes (workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bare_run(plan) -> tuple[float, float]:
    """(wall, CPU) seconds of the same negotiations with run_negotiation alone, warm contexts."""
    from sim.core.context import make_context
    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_negotiation

    scenario = load_scenario(plan.source)
    contexts = {m: make_context(scenario, mediator=m) for m in MEDIATORS}
    for m in MEDIATORS:
        run_negotiation(contexts[m], RunConfig(seed=0))
    wall, cpu = time.perf_counter(), time.process_time()
    for task in plan.tasks:
        run_negotiation(contexts[task.mediator], RunConfig(seed=task.seed))
    return time.perf_counter() - wall, time.process_time() - cpu


def load() -> str:
    return "load average %.1f" % os.getloadavg()[0]


def main() -> None:
    from sim.run.sweep.executors import execute
    from sim.run.sweep.spec import build_plan, load_sweep

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, {load()} at start (other users' load makes wall-clock figures noisy)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sweep = write_sweep(tmp, args.runs)
        plan = build_plan(load_sweep(sweep), sweep)
        n = len(plan.tasks)
        wall, cpu = {}, {}
        for workers in (1, 2):
            cpu0 = _cpu()
            out = execute(plan, tmp / f"w{workers}", workers=workers)
            assert out.failures == 0 and out.executed == n
            wall[workers], cpu[workers] = out.seconds, _cpu() - cpu0
            print(f"{workers} worker(s): {n} runs in {out.seconds:.2f} s = {n / out.seconds:.1f} runs/s "
                  f"({cpu[workers]:.1f} CPU s; {load()})")
        bare_wall, bare_cpu = bare_run(plan)
    speedup = wall[1] / wall[2]
    print(f"wall-clock speed-up on 2 workers: {speedup:.2f}x (parallel efficiency {speedup / 2:.0%})")
    print(f"CPU work on 2 workers vs 1: {cpu[2] / cpu[1]:.2f}x (1.00 = the pool adds no work; on 2 "
          f"idle cores the speed-up would then approach 2x)")
    print(f"bare run_negotiation, warm contexts: {n / bare_wall:.1f} runs/s ({bare_cpu:.1f} CPU s)")
    print(f"sweep overhead per run beyond run_negotiation (1 worker, incl. context builds and parquet "
          f"writes): {(cpu[1] - bare_cpu) / n * 1000:.2f} ms CPU, {(wall[1] - bare_wall) / n * 1000:.2f} ms wall")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {own:.0f} MB, largest worker {kids:.0f} MB")


if __name__ == "__main__":
    main()
