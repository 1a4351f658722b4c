"""Profile the HiGHS solves of a full-information run: where the (total, worst) frontier's CPU goes.

For each seed, one run of `random_scenario(seed, ITEMS, 8)` under full information, every MILP solve timed
(CPU, `time.process_time`) and classed by the step that asked for it: the frontier's total stages (max total with
every group >= t), its tie-break proofs (`_cannot_move`), its tie-break solves, and the rest of the run (the
designs, the pool's optima, the ideals). Per class: solves, CPU, solves closed at the root (<= 1 node), and solves
whose answer did not beat the incumbent handed to HiGHS as its cutoff. `--lp` also solves each total stage's LP
relaxation (`scipy.optimize.linprog`, HiGHS) and counts the stages it would settle: LP bound below the incumbent's
total plus half a lattice step (`sim.search.milp.lattice`). Figures only; nothing is asserted.

Run from the repository root: `OPENBLAS_NUM_THREADS=1 python -m benchmarks.bench_frontier --seeds 0 1 2 [--lp]`.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np

ITEMS, GROUPS = 200, 8
CLASSES = ("total stage", "tie-break proof", "tie-break", "frontier, other", "rest of the run")


def _instrument(log: list[dict], lp: bool) -> None:
    """Wrap scipy's milp and the frontier's steps so each solve is logged with its class (this process only)."""
    import scipy.optimize as so

    import sim.search.exact as exact
    import sim.search.pareto as pareto

    where = ["rest of the run"]
    solve = so.milp

    def milp(*args, **kwargs):
        start = time.process_time()
        res = solve(*args, **kwargs)
        cutoff = kwargs.get("options", {}).get("objective_bound")
        log.append({"class": where[-1], "cpu": time.process_time() - start, "nodes": res.get("mip_node_count"),
                    "held": cutoff is not None and (res.fun is None or res.fun >= cutoff),
                    "lp_gap": _lp_gap(args[0], kwargs, cutoff) if lp and where[-1] == "total stage" else None})
        return res
    so.milp = milp

    def tagged(fn, name):
        def run(*args, **kwargs):
            where.append(name)
            try:
                return fn(*args, **kwargs)
            finally:
                where.pop()
        return run
    exact.frontier_from_ends = tagged(exact.frontier_from_ends, "frontier, other")
    for attr, name in (("_deferred_step", "total stage"), ("_cannot_move", "tie-break proof"),
                       ("_tie_break", "tie-break")):
        setattr(pareto, attr, tagged(getattr(pareto, attr), name))


def _lp_gap(c: np.ndarray, kwargs: dict, cutoff: float | None) -> float | None:
    """The LP relaxation's bound on the maximised objective minus the incumbent's value (None: no incumbent)."""
    import scipy.sparse as sp
    from scipy.optimize import linprog

    if cutoff is None:
        return None
    cons, bounds = kwargs["constraints"], kwargs["bounds"]
    A, up, low = sp.csr_array(cons.A), np.isfinite(cons.ub), np.isfinite(cons.lb)
    res = linprog(c, A_ub=sp.vstack([A[up], -A[low]]), b_ub=np.concatenate([cons.ub[up], -cons.lb[low]]),
                  bounds=np.column_stack([bounds.lb, bounds.ub]), method="highs")
    return -np.inf if res.status == 2 else float(-res.fun + cutoff)


def profile(seed: int, log: list[dict]) -> None:
    """One run's solves by class (`log`: the instrumented list, emptied first)."""
    from sim.run.runner import RunConfig, run_negotiation
    from sim.search.milp import lattice
    from sim.testing import random_scenario

    log.clear()
    scenario = random_scenario(seed, ITEMS, GROUPS)
    start = time.process_time()
    result = run_negotiation(scenario, RunConfig(information="full"))
    run_cpu = time.process_time() - start
    by: dict[str, list[dict]] = defaultdict(list)
    for entry in log:
        by[entry["class"]].append(entry)
    print(f"seed {seed}: run {run_cpu:.2f} CPU-s, {len(log)} HiGHS solves {sum(e['cpu'] for e in log):.2f} CPU-s, "
          f"frontier points {len(result.ctx.search.pareto_frontier())}")
    for name in CLASSES:
        rows = by.get(name, [])
        print(f"  {name:16s} solves {len(rows):3d}  CPU-s {sum(e['cpu'] for e in rows):6.2f}  "
              f"at root {sum(1 for e in rows if (e['nodes'] or 0) <= 1):3d}  "
              f"incumbent held {sum(1 for e in rows if e['held']):3d} ({sum(e['cpu'] for e in rows if e['held']):5.2f} CPU-s)")
    gaps = [e["lp_gap"] for e in by.get("total stage", []) if e["lp_gap"] is not None]
    if gaps:
        half = 0.5 / (lattice(result.ctx.rubric.values, np.zeros(result.ctx.rubric.n_groups)) or np.inf)
        print(f"  LP relaxation of {len(gaps)} total stages with an incumbent: settles {sum(g < half for g in gaps)}; "
              f"bound - incumbent median {np.median(gaps):.2f}, min {min(gaps):.3f} (half a lattice step {half:.4f})")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--lp", action="store_true", help="also solve each total stage's LP relaxation (idea: LP proof)")
    opts = ap.parse_args(argv)
    log: list[dict] = []
    _instrument(log, opts.lp)
    for seed in opts.seeds:       # each run builds its own context; HiGHS's answers are cached by model content
        profile(seed, log)


if __name__ == "__main__":
    main()
