"""Where a sweep's time goes on 1 and 2 workers, locally and on Dask: per-worker CPU and the serial part.

    python -m benchmarks.bench_sweep_workers [--runs 500] [--chunk 25] [--backends local,dask]

On a shared machine the wall-clock speed-up of 2 workers shows other users' load more than the
sweep, so beside wall seconds this prints CPU seconds: the parent's (planning, parts, consolidation,
the Dask client), each worker's (its start-up imports and context builds included: the cumulative
CPU of the worker process when it finished its last chunk) and the 1-worker sweep's. From them, the
speed-up 2 idle cores would give, T1 / (busiest worker + parent), and the serial fraction s of
Amdahl's law (speed-up 1 / (s + (1 - s) / 2)). Nothing is asserted; figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_sweep import write_sweep

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # this checkout\'s packages, not an install elsewhere


def timed_chunk(payload: tuple) -> tuple[int, list[dict]]:
    """`run_chunk`, its first row stamped with the worker's pid and cumulative process CPU."""
    from sim.run.sweep.worker import run_chunk

    chunk_id, rows = run_chunk(payload)
    rows[0]["bench_pid"], rows[0]["bench_cpu"] = os.getpid(), time.process_time()
    return chunk_id, rows


def _own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def one_sweep(plan, out: Path, backend: str, workers: int) -> dict:
    """Run the plan; wall, parent CPU and the workers' CPU (from the stamped rows)."""
    import pandas as pd

    import sim.run.sweep.dask_backend as dask_backend
    import sim.run.sweep.executors as executors

    executors.run_chunk = timed_chunk                 # the local pool pickles it by name
    dask_backend.run_chunk = timed_chunk
    dask_backend.DaskBackend.run.__defaults__ = (timed_chunk,)
    cpu0, wall0 = _own_cpu(), time.perf_counter()
    res = executors.execute(plan, out, workers=workers, backend=backend)
    wall, parent = time.perf_counter() - wall0, _own_cpu() - cpu0
    assert res.failures == 0 and res.executed == len(plan.tasks)
    frame = pd.read_parquet(out / "results.parquet")
    stamps = frame.dropna(subset=["bench_pid"]) if "bench_pid" in frame else frame.iloc[:0]
    per_worker = stamps.groupby("bench_pid")["bench_cpu"].max().tolist()
    return {"wall": wall, "parent": parent, "workers": per_worker}


def main(argv: list[str] | None = None) -> None:
    from sim.run.sweep.spec import build_plan, load_sweep

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--chunk", type=int, default=25)
    ap.add_argument("--backends", default="local,dask")
    opts = ap.parse_args(argv)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sweep = write_sweep(tmp, opts.runs)
        sweep.write_text(sweep.read_text().replace("chunk_size: 50", f"chunk_size: {opts.chunk}"))
        plan = build_plan(load_sweep(sweep), sweep)
        for backend in opts.backends.split(","):
            got = {w: one_sweep(plan, tmp / f"{backend}{w}", backend, w) for w in (1, 2)}
            t1 = got[1]["parent"] + sum(got[1]["workers"]) * (backend == "dask")
            for w, g in got.items():
                print(f"{backend} {w} worker(s): {len(plan.tasks)} runs, wall {g['wall']:.2f} s, parent CPU "
                      f"{g['parent']:.2f} s, worker CPU {[round(c, 2) for c in g['workers']]} s "
                      f"(load {os.getloadavg()[0]:.1f})")
            g = got[2]
            busiest = max(g["workers"]) + g["parent"]
            ideal = t1 / busiest
            print(f"  {backend}: wall speed-up {got[1]['wall'] / g['wall']:.2f}x at this load; on 2 idle cores "
                  f"about {ideal:.2f}x (1-worker CPU {t1:.2f} s / busiest worker + parent {busiest:.2f} s); "
                  f"serial fraction {max(0.0, 2 / ideal - 1):.2f}")


if __name__ == "__main__":
    main()
