"""What a notebook needs: load a scenario, run one negotiation or many, evaluate a package, optimise.

Each function takes a scenario as a path or a `Scenario`; `run_many` returns a pandas DataFrame
with one row per run (settings, metrics, per-group utilities `u_GROUP`, benchmark), built on the
sweep's own worker and executors, so its rows equal those of `negsim sweep` for the same grid.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from sim.core.scenario import Scenario

__all__ = ["evaluate", "load", "optimise", "run", "run_many"]


def load(path: str | Path) -> Scenario:
    """A scenario file, validated (raises ScenarioError with one line naming the file, field and fix)."""
    from sim.core.scenario import load_scenario

    return load_scenario(path)


def _scenario(scenario: str | Path | Scenario) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load(scenario)


def run(scenario: str | Path | Scenario, config: Any = None, **settings: Any):
    """One negotiation: `RunConfig` fields as keywords (seed=3, mediator="maximin", ...) or a config.

    Raises WorkTooLarge, before any work, when the run's estimated CPU time is above the limit (sim.run.work).
    """
    from sim.run.runner import RunConfig, run_negotiation
    from sim.run.work import check_work

    config = dataclasses.replace(config or RunConfig(), **settings)
    s = _scenario(scenario)
    check_work(s, config.information, config.max_rounds)      # WorkTooLarge before any work
    return run_negotiation(s, config)


def evaluate(scenario: str | Path | Scenario, package: list[str]):
    """A planner's package (item ids) beside the base designs and the optimum of each objective."""
    from sim.core.context import make_context
    from sim.core.evaluate import evaluate_package

    ctx = make_context(_scenario(scenario))
    return evaluate_package(ctx, ctx.rubric.package(list(package)))


def optimise(scenario: str | Path | Scenario, objective: str = "utilitarian"):
    """The exactly optimal feasible package for an objective (utilitarian, maximin, leximin, nash, kalai)."""
    from sim.core.context import make_context

    return make_context(_scenario(scenario)).search.optimise(objective)


def run_many(scenario: str | Path | Scenario, grid: dict[str, list] | None = None,
             seeds: int | list[int] = 10, *, workers: int = 1, seed: int = 0):
    """Every combination of `grid` values x `seeds`, as a DataFrame (one row per run, by run_id).

    Grid keys are run settings (mediator, agents, max_rounds, information, elicitation, voice) or
    dotted scenario paths (budget, groups.<id>.weights.<criterion>); `seeds` is a count spawned
    from `seed` or explicit run seeds. A failed run is a row whose `error` says why.
    """
    import pandas as pd

    from sim.run.sweep.executors import run_payloads
    from sim.run.sweep.spec import Axis, SweepSpec, chunks, plan_for

    s = _scenario(scenario)
    spec = SweepSpec(name=f"run_many:{s.name}", scenario=s.name, seed=seed, seeds=seeds,
                     axes=[Axis(name=k, values=list(v)) for k, v in (grid or {}).items()])
    plan = plan_for(spec, s.model_dump(mode="json"), s.name, "run_many")
    payloads = [(cid, plan.scenario_key, plan.scenario_data, plan.source, tasks) for cid, tasks in chunks(plan)]
    rows = [row for _, part in run_payloads(payloads, workers) for row in part]
    return pd.DataFrame(rows).sort_values("run_id", kind="stable").reset_index(drop=True)
