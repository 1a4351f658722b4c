"""`negsim explain RUN_DIR --by items|stakeholders|criteria --metric ...`: Shapley attribution."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from sim.cli.common import fail


def explain(run_dir: Path = typer.Argument(..., help="a run folder written by `negsim run`"),
            by: str = typer.Option("items", "--by", help="items, stakeholders or criteria"),
            metric: Optional[List[str]] = typer.Option(
                None, "--metric", help="total, worst_group, p20, gini or group:ID (repeatable); "
                                       "criteria: group:ID selects groups (default all)"),
            method: str = typer.Option("auto", "--method", help="auto, exact, sampled or shap"),
            samples: Optional[int] = typer.Option(None, "--samples", min=2,
                                                  help="permutations when sampled"),
            seed: int = typer.Option(0, "--seed", help="seed of the permutation sampling")) -> None:
    """Shapley attribution of a run: writes RUN_DIR/attribution_<by>.csv and prints a table."""
    from sim.analysis.attribution import (
        BY,
        AttributionError,
        ShapleySettings,
        attribution_csv,
        load_run_data,
        table_text,
    )
    from sim.analysis.run_attribution import attribute_run
    from sim.core.records import atomic_write

    if by not in BY:
        fail(f"--by: unknown attribution '{by}'; fix: use one of {', '.join(BY)}")
    settings = ShapleySettings(method=method, n_samples=samples, seed=seed)
    try:
        run = load_run_data(run_dir)
        attribution, extra = attribute_run(run, by, list(metric or []), settings)
    except (AttributionError, ImportError) as err:
        fail(str(err))
    except ValueError as err:       # e.g. an unknown --method from shapley_values
        fail(f"--method: {err}")
    out = run.folder / f"attribution_{by}.csv"
    atomic_write(out, attribution_csv(attribution))
    typer.echo(table_text(attribution))
    if extra:
        typer.echo(extra)
    typer.echo(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add `negsim explain` to the CLI app."""
    app.command()(explain)
