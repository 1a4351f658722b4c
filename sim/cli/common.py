"""Helpers shared by the CLI modules: one-line user errors with exit code 2."""

from __future__ import annotations

from pathlib import Path

import typer

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
