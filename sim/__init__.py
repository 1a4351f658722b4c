"""negsim: mediated multi-agent negotiation over costed proposals under a budget.

The names a notebook needs (loaded on first use, so `import sim` stays light)::

    load, run, run_many, evaluate, optimise      # sim.api
    Scenario, RunConfig, RunResult, AgentSpec    # the records they take and give
    NegsimError, shapley_values, __version__

Rooms, each importing only from the rooms below it: ``sim.core`` (scenario, rubric, moves,
repair, protocol, metrics, records), ``sim.search`` (exact optimisation), ``sim.run`` (runner,
registry, budget cycles, sweeps), ``sim.analysis`` / ``sim.report`` / ``sim.games`` / ``sim.pb`` /
``sim.survey`` / ``sim.testing``, and the command line ``sim.cli``. See docs/design.md.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "load": "sim.api",
    "run_many": "sim.api",
    "evaluate": "sim.api",
    "optimise": "sim.api",
    "Scenario": "sim.core.scenario",
    "RunConfig": "sim.run.runner",
    "RunResult": "sim.run.runner",
    "AgentSpec": "sim.run.registry",
    "NegsimError": "sim.core.errors",
    "shapley_values": "sim.analysis.shapley",
}
# `sim.run` is both the package of runners and, called, one negotiation (sim.api.run)
__all__ = sorted([*_EXPORTS, "__version__", "run"])


def __getattr__(name: str) -> Any:
    if name == "run":
        return importlib.import_module("sim.run")
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("negsim")
        except PackageNotFoundError:        # a source tree that is not installed
            return "0+unknown"
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
