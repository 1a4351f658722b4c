"""Readable terminal tables (rich) and JSON shapes for runs and evaluations."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from sim.core.records import jsonable

METRIC_ROWS = (("total", "higher"), ("worst_group", "higher"), ("p20", "higher"), ("gini", "lower"))


def _fmt(v) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def _design_table(title: str, columns: dict[str, dict], group_ids) -> Table:
    """Rows: the four metrics then per-group utilities; columns: designs."""
    table = Table(title=title, show_lines=False)
    table.add_column("")
    for name in columns:
        table.add_column(name, justify="right")
    for key, better in METRIC_ROWS:
        values = [c["metrics"].get(key) for c in columns.values()]
        known = [v for v in values if v is not None]
        best = (max(known) if better == "higher" else min(known)) if known else None
        cells = [(f"[bold green]{_fmt(v)}[/]" if v is not None and v == best else _fmt(v))
                 for v in values]
        table.add_row(f"{key} ({better} better)", *cells)
    table.add_row("worst group", *[str(c["metrics"].get("worst_group_id")) for c in columns.values()])
    table.add_row("cost", *[f"{c['cost']:,.0f}" for c in columns.values()])
    for gid in group_ids:
        table.add_row(f"  {gid}", *[_fmt(c["per_group"][gid]) for c in columns.values()])
    return table


def print_run(summary: dict, rubric, out: Path, console: Console | None = None) -> None:
    """Negotiated package vs every base design, then where the files are."""
    console = console or Console()
    neg = {"metrics": summary["metrics"], "per_group": summary["per_group"], "cost": summary["cost"]}
    columns = {"negotiated": neg, **summary["baselines"]}
    status = "agreement" if summary["agreement"] else "NO agreement (disagreement outcome)"
    console.print(f"[bold]{summary['scenario']}[/]: {status} after {summary['rounds']} rounds, "
                  f"mediator {summary['mediator']}, seed {summary['seed']}")
    console.print(f"package ({len(summary['package'])} items, {summary['cost']:,.0f} of "
                  f"{summary['budget']:,.0f} {summary['currency']}): {', '.join(summary['package'])}")
    console.print(_design_table("negotiated package vs base designs", columns, rubric.group_ids))
    console.print(f"pareto optimal: {_fmt(summary['metrics']['pareto_optimal'])}; "
                  f"run folder: {out}")


def evaluation_dict(report, ctx) -> dict:
    """JSON shape of `negsim evaluate` (same metric keys and per_group as summary.json)."""
    gids = ctx.rubric.group_ids
    p = report.proposal
    metrics = {k: v for k, v in p.metrics.as_dict().items() if k != "notes"}
    metrics["pareto_optimal"] = report.pareto_optimal
    return jsonable({
        "scenario": ctx.scenario.name, "package": list(p.package), "cost": p.cost,
        "budget": ctx.rubric.budget, "feasible": not p.infeasible,
        "infeasible": list(p.infeasible), "metrics": metrics, "notes": list(p.metrics.notes),
        "per_group": p.per_group(gids), "red_lines_broken": p.red_lines,
        "dominated_by": None if report.dominated_by is None else {
            "package": list(report.dominated_by),
            "per_group": dict(zip(gids, report.dominated_by_utilities))},
        "best_single_change": report.best_single_change,
        "designs": {n: r.as_dict(gids) for n, r in report.designs.items()},
    })


def print_evaluation(report, ctx, console: Console | None = None) -> None:
    """Readable evaluation of a planner's package."""
    console = console or Console()
    data = evaluation_dict(report, ctx)
    feas = "feasible" if data["feasible"] else "INFEASIBLE: " + "; ".join(data["infeasible"])
    console.print(f"[bold]proposal[/] ({data['cost']:,.0f} of {data['budget']:,.0f}): {feas}")
    columns = {"proposal": data, **{n: d for n, d in data["designs"].items()}}
    console.print(_design_table("proposal vs base designs and optimal packages", columns,
                                ctx.rubric.group_ids))
    for gid, broken in data["red_lines_broken"].items():
        console.print(f"red line broken for {gid}: {'; '.join(broken)}")
    if data["dominated_by"]:
        console.print(f"Pareto-dominated by: {', '.join(data['dominated_by']['package'])}")
    elif data["metrics"]["pareto_optimal"]:
        console.print("Pareto optimal: no feasible package is at least as good for every group")
    change = data["best_single_change"]
    if change:
        console.print(f"cheapest single change raising the worst group: {change['op']} "
                      f"{change['item']} (cost change {change['cost_change']:,.0f}, worst group "
                      f"+{change['worst_group_gain']:.3f})")
