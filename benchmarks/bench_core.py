"""Core engine figures: negotiations per second under private and full information (one core).

Also `negsim explain --by stakeholders` (the value of voice, 2^G re-run negotiations) and the
cold-start `negsim run` wall time.

Usage: python benchmarks/bench_core.py [SCENARIO] [--n 300]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # this checkout\'s packages, not an install elsewhere


def negotiations_per_second(path: Path, n: int, information: str) -> tuple[float, float, int]:
    from sim.core.context import make_context
    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_negotiation

    ctx = make_context(load_scenario(path), information=information)
    run_negotiation(ctx, RunConfig(seed=0))           # warm caches (optima, frontier)
    start, cpu = time.perf_counter(), time.process_time()
    agreed = 0
    for seed in range(n):
        agreed += run_negotiation(ctx, RunConfig(seed=seed)).outcome.agreement
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return n / elapsed, n / cpu, agreed


def explain_stakeholders(path: Path) -> tuple[float, float]:
    """Wall and CPU seconds of `negsim explain RUN --by stakeholders` in a fresh process."""
    import resource

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "sim.cli.commands", "run", str(path), "--out", f"{tmp}/r",
                        "--quiet"], check=True, capture_output=True, cwd=ROOT)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim.cli.commands", "explain", f"{tmp}/r", "--by", "stakeholders",
                        "--metric", "total", "--metric", "worst_group"], check=True, capture_output=True, cwd=ROOT)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.perf_counter() - start, cpu


def cold_start(path: Path, repeats: int = 5) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "sim.cli.commands", "run", str(path), "--out",
                            f"{tmp}/r{i}", "--quiet"], check=True, capture_output=True, cwd=ROOT)
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios/montreal_streets.yaml"))
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    path = Path(args.scenario)
    for information in ("private", "full"):
        rate, cpu_rate, agreed = negotiations_per_second(path, args.n, information)
        print(f"{path.name} ({information} information): {rate:.1f} negotiations/s wall, {cpu_rate:.1f}/s "
              f"per CPU-second (one core, warm caches; the two differ when the machine is shared); "
              f"agreement in {agreed}/{args.n}")
    wall, cpu = explain_stakeholders(path)
    print(f"`negsim explain --by stakeholders` (value of voice, total and worst_group): {wall:.1f} s wall, "
          f"{cpu:.1f} CPU-s (run folder written first, not timed)")
    times = cold_start(path)
    print(f"cold-start `negsim run` wall time: median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}, {len(times)} runs)")
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import sim.cli.commands"],
                         capture_output=True, text=True, cwd=ROOT).stderr
    heavy = [m for m in ("shap", "streamlit", "langchain", "pabutools", "dask", "pandas")
             if f"| {m}\n" in out or f"| {m}." in out]
    print(f"heavy modules imported by the CLI at start: {heavy or 'none'}")


if __name__ == "__main__":
    main()
