"""Print the growth table: CPU seconds and peak memory against items, groups, members and elections.

    python -m benchmarks.bench_scale [--quick] [--seeds 3] [--cpu-cap 120] [--mem-cap 4000]
                                     [--only items,groups,leximin,members,elections] [--json OUT]

Each case runs in its own child process (limits RLIMIT_CPU and RLIMIT_AS), so a case that
explodes is reported as `cpu cap` or `memory cap` instead of being waited for. Figures are
CPU seconds of the measured work (time.process_time in the child, imports excluded) and the
child's peak resident memory (ru_maxrss), medians over seeds; each family ends with the
exponent b of a least-squares fit cpu ~ size^b over the cases that finished. Cases:

- items: random scenarios from `sim.testing` (8 groups), one run, `private` and `full` information;
- groups: 44 items, one full-information run;
- leximin: the same with the leximin mediator (the only strategy that solves the leximin optimum);
- members: 4 groups with explicit members: load the YAML, run, write the run folder, re-read it;
- elections: a synthetic approval election (`sim.testing.synthetic_election`) imported by age.

Nothing here is asserted; the figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # this checkout\'s packages, not an install elsewhere

FULL = {
    "items": [("private", n, 8) for n in (8, 20, 44, 100, 200, 400)]
    + [("full", n, 8) for n in (8, 20, 44, 100, 200, 400)],
    "groups": [("full", 44, g) for g in (3, 8, 32, 64, 128, 256)],
    "leximin": [("full", 44, g) for g in (8, 32, 64, 128, 256)],
    "members": [(m,) for m in (1_000, 10_000, 40_000, 100_000)],
    "elections": [(p, v) for p, v in ((30, 1_000), (75, 2_500), (150, 5_000), (300, 20_000))],
}
QUICK = {
    "items": [("private", n, 8) for n in (20, 100, 200)] + [("full", n, 8) for n in (20, 100, 200)],
    "groups": [("full", 44, g) for g in (8, 32, 128)],
    "leximin": [("full", 44, g) for g in (8, 32, 128)],
    "members": [(m,) for m in (1_000, 10_000, 40_000)],
    "elections": [(p, v) for p, v in ((30, 1_000), (150, 5_000))],
}


# ---------------------------------------------------------------- child: one measured case

def _negotiate(info: str, n_items: int, n_groups: int, seed: int, mediator: str | None = None) -> float:
    from sim.run.runner import RunConfig, run_negotiation
    from sim.testing import random_scenario

    scenario = random_scenario(seed, n_items, n_groups)
    start = time.process_time()
    run_negotiation(scenario, RunConfig(information=info, mediator=mediator))
    return time.process_time() - start


def _leximin(info: str, n_items: int, n_groups: int, seed: int) -> float:
    return _negotiate(info, n_items, n_groups, seed, mediator="leximin")


def _members(n_members: int, seed: int) -> float:
    import numpy as np

    from sim.core.records import read_run_scenario, write_run
    from sim.core.scenario import load_scenario, scenario_to_yaml
    from sim.run.runner import RunConfig, run_negotiation
    from sim.testing import random_scenario

    rng = np.random.default_rng(seed)
    scenario = random_scenario(seed, 12, 4)
    crit = [c.id for c in scenario.criteria]
    groups = [g.model_copy(update={"members": [dict(zip(crit, w.round(4).tolist()))
                                               for w in rng.dirichlet(np.ones(len(crit)), n_members // 4)]})
              for g in scenario.groups]
    text = scenario_to_yaml(scenario.model_copy(update={"groups": groups}))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "city.yaml"
        path.write_text(text, encoding="utf-8")
        start = time.process_time()
        result = run_negotiation(load_scenario(path), RunConfig())
        write_run(result, Path(tmp) / "run", str(path))
        read_run_scenario(Path(tmp) / "run")
        return time.process_time() - start


def _election(n_projects: int, n_voters: int, seed: int) -> float:
    from sim.pb.pabulib import import_pabulib
    from sim.pb.segments import Grouping
    from sim.testing import synthetic_election

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "city.pb"
        path.write_text(synthetic_election(seed, n_projects, n_voters), encoding="utf-8")
        start = time.process_time()
        import_pabulib(path, Grouping("age", drop_unknown=True))
        return time.process_time() - start


def child(family: str, args: list, seed: int) -> None:
    """Run one case and print its CPU seconds and peak memory as one JSON line."""
    work = {"items": _negotiate, "groups": _negotiate, "leximin": _leximin, "members": _members,
            "elections": _election}[family]
    cpu = work(*args, seed)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cpu": cpu, "peak_mb": peak_mb}))


# ---------------------------------------------------------------- parent: caps, medians, fits

def measure(family: str, args: tuple, seed: int, cpu_cap: float, mem_cap_mb: int) -> dict:
    """One case in a child process under CPU and address-space limits."""
    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (int(cpu_cap) + 1, int(cpu_cap) + 2))
        resource.setrlimit(resource.RLIMIT_AS, (mem_cap_mb << 20, mem_cap_mb << 20))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "benchmarks.bench_scale", "--child", family, json.dumps(list(args)), str(seed)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, preexec_fn=limits)
    if proc.returncode == 0:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    err = proc.stderr
    if proc.returncode in (-9, -24) or "CPU" in err:
        return {"failed": "cpu cap"}
    if "MemoryError" in err or "Unable to allocate" in err or "std::bad_alloc" in err:
        return {"failed": "memory cap"}
    return {"failed": (err.strip().splitlines() or ["exit %d" % proc.returncode])[-1][:120]}


def size_of(family: str, args: tuple) -> float:
    """The growth variable of a case: items, groups, members or projects x voters."""
    return {"items": lambda: args[1], "groups": lambda: args[2], "leximin": lambda: args[2], "members": lambda: args[0],
            "elections": lambda: args[0] * args[1]}[family]()


def fit_exponent(points: list[tuple[float, float]]) -> float | None:
    """Slope b of log cpu = a + b log size over points with cpu above 0.05 s."""
    pts = [(math.log(s), math.log(c)) for s, c in points if c > 0.05 and s > 0]
    if len(pts) < 2:
        return None
    mx, my = statistics.fmean(p[0] for p in pts), statistics.fmean(p[1] for p in pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


def run_family(family: str, cases: list, opts: argparse.Namespace) -> list[dict]:
    """Measure every case of a family over the seeds and print its rows and fitted exponents."""
    rows = []
    for args in cases:
        runs = [measure(family, args, seed, opts.cpu_cap, opts.mem_cap) for seed in range(opts.seeds)]
        ok = [r for r in runs if "failed" not in r]
        row = {"family": family, "case": list(args), "size": size_of(family, args),
               "cpu": statistics.median(r["cpu"] for r in ok) if len(ok) == len(runs) else None,
               "peak_mb": max(r["peak_mb"] for r in ok) if ok else None,
               "failed": sorted({r["failed"] for r in runs if "failed" in r})}
        rows.append(row)
        cpu = f"{row['cpu']:8.2f}" if row["cpu"] is not None else "       -"
        mem = f"{row['peak_mb']:7.0f}" if row["peak_mb"] is not None else "      -"
        print(f"{family:9s} {str(args):24s} cpu_s {cpu}  peak_MB {mem}  {'; '.join(row['failed'])}", flush=True)
    for info in sorted({r["case"][0] for r in rows if isinstance(r["case"][0], str)}) or [None]:
        pts = [(r["size"], r["cpu"]) for r in rows if r["cpu"] is not None
               and (info is None or r["case"][0] == info)]
        b = fit_exponent(pts)
        label = f"{family} ({info})" if info else family
        print(f"  exponent {label}: " + (f"{b:.2f}" if b is not None else "n/a"), flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a smaller set of sizes")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--cpu-cap", type=float, default=120.0, help="CPU seconds per case before it is stopped")
    ap.add_argument("--mem-cap", type=int, default=4000, help="address space per case, MB")
    ap.add_argument("--only", default="items,groups,leximin,members,elections")
    ap.add_argument("--json", type=Path, default=None, help="also write the rows to this file")
    ap.add_argument("--child", nargs=3, metavar=("FAMILY", "ARGS", "SEED"), help=argparse.SUPPRESS)
    opts = ap.parse_args(argv)
    if opts.child:
        family, args, seed = opts.child
        return child(family, json.loads(args), int(seed))
    table = QUICK if opts.quick else FULL
    rows = [row for fam in opts.only.split(",") for row in run_family(fam, table[fam], opts)]
    if opts.json:
        opts.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
