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
    from sim.core.records import atomic_write

    if by not in BY:
        fail(f"--by: unknown attribution '{by}'; fix: use one of {', '.join(BY)}")
    settings = ShapleySettings(method=method, n_samples=samples, seed=seed)
    try:
        run = load_run_data(run_dir)
        attribution, extra = _attribute(run, by, list(metric or []), settings)
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


def _attribute(run, by: str, metrics: list[str], settings):
    """Run one attribution; returns it and any extra text (the capture check)."""
    from sim.analysis.attribution import AttributionError, attribute_criteria, attribute_items, base_package

    if by == "criteria":
        bad = [m for m in metrics if not m.startswith("group:")]
        if bad:
            raise AttributionError(f"--metric: {bad[0]}: criteria split group utilities; fix: use group:ID")
        groups = [m.split(":", 1)[1] for m in metrics] or None
        return attribute_criteria(run.ctx, run.package, groups, settings), ""
    metrics = metrics or ["total"]
    if by == "items":
        base, name = base_package(run)
        return attribute_items(run.ctx, run.package, base, metrics, settings, base_name=name), ""
    from sim.analysis.stakeholders import VoiceSetup, attribute_stakeholders, capture_text, silence_text
    from sim.core.records import read_transcript

    transcript = read_transcript(run.folder) if (run.folder / "transcript.jsonl").is_file() else None
    setup = VoiceSetup.from_summary(run.summary, run.ctx.rubric.group_ids)
    attribution = attribute_stakeholders(run.ctx, run.package, metrics, transcript, settings, setup=setup)
    capture = attribution.details.get("capture")
    extra = [silence_text(attribution.details["silence_cost"])] + ([capture_text(capture)] if capture else [])
    return attribution, "\n".join(extra)


def register(app: typer.Typer) -> None:
    """Add `negsim explain` to the CLI app."""
    app.command()(explain)
