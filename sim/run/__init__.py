"""Running negotiations: one run, many seeds, budget cycles, the agent registry and sweeps."""

import sys
import types
from typing import Any

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "RerunError": "sim.run.rerun",
    "load_parent": "sim.run.rerun",
    "rerun_from": "sim.run.rerun",
    "game_player_names": "sim.run.registry",
    "make_game_player": "sim.run.registry",
    "make_mediator": "sim.run.registry",
    "make_stakeholder": "sim.run.registry",
    "mediator_names": "sim.run.registry",
    "play": "sim.run.runner",
    "register_mediator": "sim.run.registry",
    "register_stakeholder": "sim.run.registry",
    "RepeatedConfig": "sim.run.cycles",
    "RepeatedResult": "sim.run.cycles",
    "run_negotiation": "sim.run.runner",
    "run_over_seeds": "sim.run.runner",
    "run_repeated": "sim.run.cycles",
    "RunConfig": "sim.run.runner",
    "RunResult": "sim.run.runner",
    "split_lineup": "sim.run.runner",
    "stakeholder_names": "sim.run.registry",
    "UnknownAgent": "sim.run.registry",
    "WorkEstimate": "sim.run.work",
    "WorkTooLarge": "sim.run.work",
    "check_work": "sim.run.work",
    "estimate_work": "sim.run.work",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


class _CallablePackage(types.ModuleType):
    """`sim.run(scenario, **settings)` runs one negotiation (sim.api.run); `sim.run.X` is this package."""

    def __call__(self, scenario: Any, config: Any = None, **settings: Any) -> Any:
        from sim.api import run

        return run(scenario, config, **settings)


sys.modules[__name__].__class__ = _CallablePackage
