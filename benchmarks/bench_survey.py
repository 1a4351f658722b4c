"""`negsim survey report` on a large synthetic survey: cold-start wall time on one core, and its stages.

The survey has the Montreal study's shape (importance of 12 criteria, 20 sites x 4 dimensions
rated, 7 images ranked on 12 criteria) with --participants people in 4 groups (352,000 rows
for 2,000). The command runs as a fresh process pinned to one CPU with BLAS threads set to 1.

Usage: python benchmarks/bench_survey.py [--participants 2000] [--repeats 3] [--permutations 999]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def make_survey(path: Path, participants: int) -> int:
    from sim.core.scenario import load_scenario
    from sim.survey.synthetic import MONTREAL_GROUPS, SyntheticConfig, synthetic_survey

    groups = list(MONTREAL_GROUPS)
    sizes = {g: participants // len(groups) + (i < participants % len(groups)) for i, g in enumerate(groups)}
    frame = synthetic_survey(load_scenario(ROOT / "scenarios/montreal_streets.yaml"), SyntheticConfig(groups=sizes, seed=1))
    frame.to_csv(path, index=False)
    return len(frame)


def pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def cold_runs(survey: Path, out: Path, repeats: int, permutations: int) -> list[tuple[float, float]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **ONE_CORE)
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "sim.cli.commands", "survey", "report", str(survey), "--out",
                               str(out / f"r{i}"), "--permutations", str(permutations)], cwd=ROOT, env=env,
                              capture_output=True, text=True, preexec_fn=pin_to_one_core)
        wall = time.perf_counter() - start
        if proc.returncode:
            sys.exit(proc.stderr)
        usage = os.times()
        times.append((wall, usage.children_user + usage.children_system))
    cpu = [times[0][1]] + [b[1] - a[1] for a, b in zip(times, times[1:])]
    return [(w, c) for (w, _), c in zip(times, cpu)]


def stages(survey: Path, permutations: int) -> dict[str, float]:
    """CPU seconds of each stage of the report, in this process (less sensitive to other users than wall time)."""
    from sim.survey.data import load_survey
    from sim.survey.matrix import response_matrix
    from sim.survey.report import criteria_table, group_means_table, pairs_table
    from sim.survey.stats import permutations as shuffles
    from sim.survey.tables import agreement_table, consensus_table

    out = {}

    def timed(name, fn, *args):
        start = time.process_time()
        value = fn(*args)
        out[name] = time.process_time() - start
        return value

    data = timed("load and check", load_survey, survey)
    m = timed("response matrix", response_matrix, data)
    agreement = timed("Krippendorff alpha + Kendall W", agreement_table, m)
    timed(f"between share ({permutations} permutations) + Kruskal-Wallis", lambda: criteria_table(
        m, shuffles(m.labels, permutations, 0), agreement, 0.05))
    timed("Plackett-Luce consensus", consensus_table, m)
    timed("group pairs (Mann-Whitney)", pairs_table, m)
    timed("group means", group_means_table, data)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--permutations", type=int, default=999)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        survey = Path(tmp) / "survey.csv"
        rows = make_survey(survey, args.participants)
        print(f"survey: {args.participants} participants, 4 groups, 12 criteria, {rows:,} rows, "
              f"{survey.stat().st_size / 1e6:.1f} MB")
        runs = cold_runs(survey, Path(tmp), args.repeats, args.permutations)
        walls = [w for w, _ in runs]
        cpu = [c for _, c in runs]
        print(f"negsim survey report, cold start, one core: median {statistics.median(cpu):.2f} s CPU (user + system; "
              f"runs: {', '.join(f'{c:.2f}' for c in cpu)}), median {statistics.median(walls):.2f} s wall "
              f"(runs: {', '.join(f'{w:.2f}' for w in walls)})")
        pin_to_one_core()
        for name, seconds in stages(survey, args.permutations).items():
            print(f"  {name:48s} {seconds:6.2f} s CPU (in process)")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"load average while measuring: {load:.1f} (2 cores shared with other users)")


if __name__ == "__main__":
    main()
