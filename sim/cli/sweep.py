"""`negsim sweep` (experiment grids, resumable, local or Dask) and `negsim report`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sim.cli.common import check_mediator_name, fail


def sweep(sweep_file: Path = typer.Argument(..., help="sweep YAML file"),
          out: Path = typer.Option(..., "--out", help="results folder (resumed if it holds this sweep)"),
          workers: int = typer.Option(1, "--workers", min=1, help="worker processes"),
          backend: str = typer.Option("local", "--backend", help="local or dask"),
          scheduler: Optional[str] = typer.Option(None, "--scheduler", help="dask scheduler address"),
          retry_failed: bool = typer.Option(False, "--retry-failed",
                                            help="on resume, run failed runs again"),
          llm: Optional[str] = typer.Option(None, "--llm", help="chat model of LLM lineups (as negsim run --llm)"),
          replay: Optional[Path] = typer.Option(None, "--replay",
                                                help="answer LLM lineups from an earlier sweep folder's caches"),
          quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
          max_seconds: Optional[float] = typer.Option(None, "--max-seconds", min=0.0,
                                                      help="start no more runs after this long; resume later")) -> None:
    """Run every (axes x seeds) negotiation of a sweep into OUT/results.parquet."""
    from sim.core.scenario import ScenarioError
    from sim.run.sweep.executors import BACKENDS
    from sim.run.sweep.spec import SweepError, build_plan, load_sweep

    if backend not in BACKENDS:
        fail(f"--backend: unknown backend '{backend}'; fix: use one of {', '.join(BACKENDS)}")
    try:
        plan = build_plan(load_sweep(sweep_file), sweep_file)
    except (SweepError, ScenarioError) as err:
        fail(str(err))
    if out.exists() and not out.is_dir():
        fail(f"{out}: --out: exists and is not a folder; fix: choose a folder path")
    mediator = plan.scenario_data.get("protocol", {}).get("mediator") or "negotiated"
    for spec in sorted({str(t.mediator or mediator) for t in plan.tasks}):
        check_mediator_name(spec, f"{sweep_file}: axes: mediator")
    _check_llm(plan, sweep_file, llm, replay)
    resume = f"negsim sweep {sweep_file} --out {out}"
    try:
        options = {"sweep_path": str(sweep_file), "workers": workers, "backend": backend, "scheduler": scheduler,
                   "retry_failed": retry_failed, "llm": llm, "replay": replay, "max_seconds": max_seconds}
        outcome = _run_with_progress(plan, out, options, quiet)
    except SweepError as err:
        fail(str(err))
    except KeyboardInterrupt:
        typer.echo(f"interrupted: finished runs are kept in {out}; resume: {resume}", err=True)
        raise typer.Exit(code=130) from None
    for note in outcome.notes:
        typer.echo(f"{out}: healed: {note}")
    stopped = f"; stopped by --max-seconds, resume: {resume}" if outcome.stopped else ""
    typer.echo(f"{plan.spec.name}: {outcome.runs} runs ({outcome.skipped} already done, "
               f"{outcome.executed} run now, {outcome.failures} failed) in {outcome.seconds:.1f} s; "
               f"results: {outcome.results}{stopped}")


def _check_llm(plan, sweep_file: Path, llm: str | None, replay: Path | None) -> None:
    """Exit 2 when an LLM lineup has no model (--llm or --replay), or --llm/--replay is given without one."""
    from sim.run.registry import uses_llm

    mediator = plan.scenario_data.get("protocol", {}).get("mediator")
    llm_runs = [t for t in plan.tasks if uses_llm(t.agents) or uses_llm(t.mediator or mediator)]
    if llm_runs and not (llm or replay):
        fail(f"{sweep_file}: axes: an LLM lineup ({llm_runs[0].agents or llm_runs[0].mediator}) needs a model; "
             "fix: add --llm local (or another --llm spec)")
    if (llm or replay) and not llm_runs:
        fail("--llm/--replay: no LLM lineup in the sweep; fix: add an agents or mediator axis value with llm")
    if replay is not None and not (Path(replay) / "llm").is_dir():
        fail(f"--replay: {replay} holds no llm/ caches; fix: give the --out folder of a sweep with LLM lineups")


def _run_with_progress(plan, out, options: dict, quiet: bool):
    """execute(plan, out, **options) under a rich progress bar (runs done, failures, ETA)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from sim.run.sweep.executors import execute

    if quiet:
        return execute(plan, out, **options)
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("failures {task.fields[failures]}"), TimeRemainingColumn()]
    progress = Progress(*columns, transient=False)
    task = progress.add_task(plan.spec.name, total=len(plan.tasks), failures=0)

    def update(done: int, total: int, failures: int) -> None:
        if not progress.live.is_started:              # shown from the first finished chunk on,
            progress.start()                          # so a refused backend prints only its error
        progress.update(task, completed=done, failures=failures)
    try:
        return execute(plan, out, on_chunk=update, **options)
    finally:
        if progress.live.is_started:
            progress.stop()


def report(folder: Path = typer.Argument(..., help="a sweep's --out folder"),
           csv: Optional[Path] = typer.Option(None, "--csv", help="CSV path (default FOLDER/report.csv)"),
           seed: int = typer.Option(0, "--seed", min=0, help="bootstrap seed"),
           metric: Optional[list[str]] = typer.Option(
               None, "--metric", help="extra result columns to report, e.g. efficiency, fairness, "
                                      "belief_error or u_GROUP (repeatable)")) -> None:
    """Mean and 95% bootstrap CI per axis combination, agreement rate, share beating the best base."""
    from rich.console import Console
    from rich.table import Table

    from sim.core.records import atomic_write
    from sim.run.sweep.aggregate import REPORT_METRICS, aggregate, load_results
    from sim.run.sweep.spec import SweepError

    try:
        frame, axes = load_results(folder)
    except (FileNotFoundError, SweepError) as err:
        fail(str(err))
    unknown = [m for m in metric or [] if m not in frame.columns]
    if unknown:
        fail(f"--metric: no result column '{unknown[0]}'; fix: use one of efficiency, fairness, belief_error "
             f"or u_GROUP ({', '.join(c for c in frame.columns if c.startswith('u_'))})")
    metrics = (*REPORT_METRICS, *(metric or []))
    table = aggregate(frame, axes, seed, metrics)
    view = Table(title=f"{folder}: {len(frame)} runs, mean [95% bootstrap CI]")
    for col in [*axes, "runs", "failures", "agreement", "beats base (worst)", *metrics]:
        view.add_column(col, justify="right")
    for _, r in table.iterrows():
        cells = [str(r[a]) for a in axes] + [str(r["runs"]), str(r["failures"]),
                                               f"{r['agreement_rate']:.2f}", f"{r['beats_base_worst_group']:.2f}"]
        cells += [f"{r[m + '_mean']:.3f} [{r[m + '_lo']:.3f}, {r[m + '_hi']:.3f}]" for m in metrics]
        view.add_row(*cells)
    Console(width=200).print(view)
    target = csv or folder / "report.csv"
    atomic_write(target, table.to_csv(index=False))
    typer.echo(f"report: {target}")


def register(app: typer.Typer) -> None:
    """Add `negsim sweep` and `negsim report` to the CLI app."""
    app.command("sweep")(sweep)
    app.command("report")(report)
