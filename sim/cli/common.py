"""Helpers shared by the CLI modules: one-line user errors with exit code 2."""

from __future__ import annotations

from pathlib import Path

import typer

from sim.core.limits import excerpt
from sim.core.scenario import Scenario, ScenarioError, load_scenario


def fail(message: str) -> None:
    """Print a one-line user error to stderr and exit with code 2."""
    typer.echo(" ".join(str(message).split()), err=True)
    raise typer.Exit(code=2)


def load_or_fail(path: Path) -> Scenario:
    """Load a scenario file or exit 2 with its one-line error."""
    try:
        return load_scenario(path)
    except ScenarioError as err:
        fail(str(err))
    raise AssertionError("unreachable")


def check_mediator_name(mediator: str, where: str) -> None:
    """Exit 2 with one line when `mediator` names no registered mediator (or an option it refuses)."""
    from sim.run.registry import AgentSpec, check_mediator, mediator_names

    if AgentSpec.parse(mediator).name not in mediator_names():
        fail(f"{where}: unknown mediator '{excerpt(mediator)[1:-1]}'; fix: use one of {', '.join(mediator_names())}")
    if why := check_mediator(mediator):
        fail(f"{where}: {why}")
