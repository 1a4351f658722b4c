"""`negsim import-pabulib` and `negsim pb-report`: real PB elections (needs the [pb] extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sim.cli.common import fail

HELP_GROUP_BY = "voter field to segment by: sex, age, district, neighborhood or none"
HELP_FALLBACK = "when the file lacks the voter field, group all voters together instead of failing"
HELP_DROP = "leave voters without a usable value out of the groups (default: group FIELD_unknown)"
TABLE_COLUMNS = (("method", "method"), ("n_selected", "items"), ("cost", "cost"), ("total", "total"),
                 ("worst_group", "worst_group"), ("worst_group_id", "worst id"), ("p20", "p20"),
                 ("gini", "gini"), ("pb_avg_sat", "pb avg sat"),
                 ("pb_non_empty_handed", "pb non-empty"), ("seconds", "seconds"))


def _grouping(group_by: str, age_bins: str, age_range: str, fallback_none: bool,
              drop_unknown: bool):
    from sim.pb.segments import GROUP_BY, Grouping, SegmentError, parse_int_list

    if group_by not in GROUP_BY:
        fail(f"--group-by: unknown field '{group_by}'; fix: use one of {', '.join(GROUP_BY)}")
    try:
        bins = parse_int_list(age_bins, "--age-bins")
        lo_hi = parse_int_list(age_range, "--age-range")
    except SegmentError as err:
        fail(str(err))
    if len(lo_hi) != 2:
        fail(f"--age-range: '{age_range}' must be two numbers MIN,MAX; fix: e.g. 1,100")
    return Grouping(group_by, bins, (lo_hi[0], lo_hi[1]), fallback_none, drop_unknown)


def _import(path: Path, grouping):
    """Import one file or exit 2 with its one-line error."""
    from sim.core.scenario import ScenarioError
    from sim.pb.pabulib import PabulibError, import_pabulib
    from sim.pb.segments import SegmentError

    try:
        return import_pabulib(path, grouping)
    except (PabulibError, SegmentError, ScenarioError) as err:
        fail(str(err))


def import_pabulib(
        file: Path = typer.Argument(..., help="Pabulib .pb file"),
        group_by: str = typer.Option(..., "--group-by", help=HELP_GROUP_BY),
        out: Path = typer.Option(..., "--out", help="scenario YAML to write"),
        age_bins: str = typer.Option("18,35,50,65", "--age-bins", help="age bin edges"),
        age_range: str = typer.Option("1,100", "--age-range", help="plausible ages MIN,MAX"),
        fallback_none: bool = typer.Option(False, "--fallback-none", help=HELP_FALLBACK),
        drop_unknown: bool = typer.Option(False, "--drop-unknown", help=HELP_DROP)) -> None:
    """Turn a Pabulib election into a scenario; the PB rules' outcomes become base designs."""
    from sim.core.records import atomic_write
    from sim.core.scenario import scenario_to_yaml

    result = _import(file, _grouping(group_by, age_bins, age_range, fallback_none, drop_unknown))
    s = result.scenario
    atomic_write(out, scenario_to_yaml(s))
    sizes = ", ".join(f"{g.id} {g.size:g}" for g in s.groups)
    typer.echo(f"{out}: {len(s.items)} items, {len(s.groups)} groups ({sizes}), "
               f"budget {s.budget:,.0f} {s.currency}")
    for name, b in result.baselines.items():
        typer.echo(f"base design {name}: {len(b.package)} items ({b.seconds:.2f} s): {b.rule}")
    for note in result.notes:
        typer.echo(f"note: {note}")


def _print_table(report) -> None:
    from rich.console import Console
    from rich.table import Table

    imported = report.imported
    neg = report.rows[0]
    title = (f"{imported.election.path.name}: {neg['vote_type']}, {neg['projects']} projects, "
             f"{neg['voters']} voters in {neg['groups']} groups by {neg['group_by']}; "
             f"negotiation {'agreed' if neg['agreement'] else 'did NOT agree'} in {neg['rounds']} rounds")
    table = Table(title=title)
    for _, header in TABLE_COLUMNS:
        table.add_column(header, justify="left" if header in ("method", "worst id") else "right")
    for row in report.rows:
        table.add_row(*[_cell(row[key]) for key, _ in TABLE_COLUMNS])
    console = Console(width=160)
    console.print(table)
    for note in imported.notes:
        console.print(f"note: {note}", highlight=False)


def _cell(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}"
    return str(value)


def pb_report(
        files: list[Path] = typer.Argument(..., help="one or more Pabulib .pb files"),
        group_by: str = typer.Option(..., "--group-by", help=HELP_GROUP_BY),
        age_bins: str = typer.Option("18,35,50,65", "--age-bins", help="age bin edges"),
        age_range: str = typer.Option("1,100", "--age-range", help="plausible ages MIN,MAX"),
        fallback_none: bool = typer.Option(False, "--fallback-none", help=HELP_FALLBACK),
        drop_unknown: bool = typer.Option(False, "--drop-unknown", help=HELP_DROP),
        mediator: Optional[str] = typer.Option(None, "--mediator", help="mediator strategy"),
        seed: Optional[int] = typer.Option(None, "--seed", min=0, help="run seed"),
        max_rounds: Optional[int] = typer.Option(None, "--max-rounds", min=1, help="round limit"),
        csv_out: Optional[Path] = typer.Option(None, "--csv", help="also write all rows to this CSV")) -> None:
    """Negotiate on each election and compare with greedy, equal shares and max welfare."""
    from sim.core.records import atomic_write, rows_to_csv
    from sim.pb.compare import pb_report as make_report
    from sim.run.runner import RunConfig

    grouping = _grouping(group_by, age_bins, age_range, fallback_none, drop_unknown)
    if mediator is not None:
        from sim.cli.negotiate import check_agents

        check_agents(mediator, "heuristic", {})
    imports = [_import(f, grouping) for f in files]     # every user error before any work
    config = RunConfig(seed=seed, mediator=mediator, max_rounds=max_rounds)
    rows = []
    for imported in imports:
        report = make_report(imported, config)
        _print_table(report)
        rows.extend(report.rows)
    if csv_out is not None:
        atomic_write(csv_out, rows_to_csv(rows))
        typer.echo(f"wrote {csv_out} ({len(rows)} rows)")


def register(app: typer.Typer) -> None:
    """Add `negsim import-pabulib` and `negsim pb-report` to the CLI app."""
    app.command("import-pabulib")(import_pabulib)
    app.command("pb-report")(pb_report)
