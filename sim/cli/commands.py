"""The `negsim` command line (typer). Heavy libraries are imported inside commands only."""

from __future__ import annotations

import importlib
from pathlib import Path

import typer

from sim.cli.common import check_mediator_name, fail, load_or_fail  # noqa: F401  (re-exported for feature modules)
from sim.core.errors import NegsimError
from sim.core.scenario import json_schema

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="negsim: mediated multi-agent negotiation over costed proposals under a budget.")



def _version(value: bool) -> None:
    if value:
        import sim

        typer.echo(f"negsim {sim.__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="print the version and exit")) -> None:
    """negsim: mediated multi-agent negotiation over costed proposals under a budget."""


# Feature modules that add sub-commands; each defines `register(app: typer.Typer) -> None`.
# Keep one module per line (several features add themselves here).
COMMAND_MODULES = [
    "sim.cli.negotiate",
    "sim.cli.sweep",
    "sim.cli.dashboard",
    "sim.cli.pabulib",
    "sim.cli.explain",
    "sim.cli.games",
    "sim.cli.workbench",
    "sim.cli.survey",
    "sim.cli.llm_check",
]


@app.command()
def schema(summary: bool = typer.Option(False, "--summary", help="the schema of a run's summary.json instead"),
           out: Path | None = typer.Option(None, "--out", help="write it to this file")) -> None:
    """Print (or write) the JSON Schema of the scenario format, or of summary.json with --summary."""
    import json

    from sim.core.records import atomic_write
    from sim.core.summary import summary_schema

    text = json.dumps(summary_schema(), indent=2) if summary else json_schema()
    if out is None:
        typer.echo(text)
        return
    atomic_write(out, text + "\n")
    typer.echo(f"wrote {out}")


@app.command()
def validate(scenario: Path) -> None:
    """Check a scenario file; exit 0 when valid, 2 with a one-line error otherwise."""
    from sim.run.work import WorkTooLarge, check_work

    s = load_or_fail(scenario)
    check_mediator_name(s.protocol.mediator, f"{scenario}: protocol.mediator")
    try:
        work = check_work(s, where=str(scenario))
    except WorkTooLarge as err:
        fail(str(err))
    typer.echo(f"{scenario}: ok ({len(s.items)} items, {len(s.groups)} groups, "
               f"{len(s.criteria)} criteria, budget {s.budget:,.0f} {s.currency}; "
               f"one run about {work.seconds:,.1f} CPU-s)")


for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    """Console-script entry point; a domain error that escaped a command is one line, exit 2."""
    try:
        app()
    except NegsimError as err:
        typer.echo(" ".join(str(err).split()), err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
