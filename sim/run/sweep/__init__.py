"""Sweeps: a spec of axes x seeds, a worker per chunk, executors (serial, pool, Dask), the report."""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "aggregate": "sim.run.sweep.aggregate",
    "BACKENDS": "sim.run.sweep.executors",
    "bootstrap_ci": "sim.run.sweep.aggregate",
    "build_plan": "sim.run.sweep.spec",
    "execute": "sim.run.sweep.executors",
    "load_results": "sim.run.sweep.aggregate",
    "load_sweep": "sim.run.sweep.spec",
    "Plan": "sim.run.sweep.spec",
    "run_chunk": "sim.run.sweep.worker",
    "RunTask": "sim.run.sweep.spec",
    "spawn_run_seeds": "sim.run.sweep.spec",
    "SweepError": "sim.run.sweep.spec",
    "SweepOutcome": "sim.run.sweep.executors",
    "SweepSpec": "sim.run.sweep.spec",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
