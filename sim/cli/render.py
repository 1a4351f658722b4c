"""Readable terminal tables (rich) and JSON shapes for runs and evaluations."""

from __future__ import annotations

from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from sim.analysis.labels import scenario_name
from sim.report.evaluation import evaluation_dict

METRIC_ROWS = (("total", "higher"), ("worst_group", "higher"), ("p20", "higher"), ("gini", "lower"))


def _fmt(v) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def _cost(v: float) -> str:
    """Compact cost: 1,590k for large amounts (the exact figure is in summary.json)."""
    return f"{v / 1000:,.0f}k" if v >= 100_000 else f"{v:,.0f}"


def _best(values: list, better: str):
    known = [v for v in values if v is not None]
    return (max(known) if better == "higher" else min(known)) if known else None


def _name(labels, key: str, kind: str) -> str:
    """A design or group key in words when labels are given."""
    if labels is None:
        return key
    return labels.design(key) if kind == "design" else labels.group(key)


def _metrics_table(title: str, columns: dict[str, dict], labels=None) -> Table:
    """Designs as rows, the four metrics (best value bold) plus worst group and cost as columns."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, caption_justify="left",
                  caption="↑ higher is better, ↓ lower is better; best value in bold")
    table.add_column("design", no_wrap=True)
    for key, better in METRIC_ROWS:
        short = "worst" if key == "worst_group" else key
        table.add_column(f"{short} {'↑' if better == 'higher' else '↓'}", justify="right", no_wrap=True)
    table.add_column("cost", justify="right", no_wrap=True)
    bests = {key: _best([c["metrics"].get(key) for c in columns.values()], better) for key, better in METRIC_ROWS}
    for name, c in columns.items():
        cells = [(f"[bold green]{_fmt(v)}[/]" if v is not None and v == bests[key] else _fmt(v))
                 for key, v in ((k, c["metrics"].get(k)) for k, _ in METRIC_ROWS)]
        table.add_row(_name(labels, name, "design"), *cells, _cost(c["cost"]))
    return table


def _group_tables(columns: dict[str, dict], group_ids, width: int, labels=None) -> list[Table]:
    """Per-group utilities, groups as rows; designs split over as many tables as the width needs."""
    label = max([len("group"), *(len(_name(labels, g, "group")) for g in group_ids)]) + 4
    names = list(columns)
    chunks, current, used = [], [], label
    for name in names:
        need = max(len(_name(labels, name, "design")), 7) + 3
        if current and used + need > width:
            chunks.append(current)
            current, used = [], label
        current.append(name)
        used += need
    chunks.append(current)
    tables = []
    for i, chunk in enumerate(chunks):
        title = "utility per group" + (f" ({i + 1}/{len(chunks)})" if len(chunks) > 1 else "")
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                      caption="green: best design for the group; red: the design's worst-off group",
                      caption_justify="left")
        table.add_column("group", no_wrap=True)
        for name in chunk:
            table.add_column(_name(labels, name, "design"), justify="right", no_wrap=True)
        for gid in group_ids:
            values = [columns[n]["per_group"][gid] for n in names]
            best = _best(values, "higher")
            table.add_row(_name(labels, gid, "group"), *[_group_cell(v, best, columns[n]["per_group"]) for n in chunk
                                 for v in [columns[n]["per_group"][gid]]])
        tables.append(table)
    return tables


def _group_cell(v: float, best: float, column: dict) -> str:
    if v == min(column.values()):
        return f"[bold red]{_fmt(v)}[/]"
    return f"[bold green]{_fmt(v)}[/]" if v == best else _fmt(v)


def print_designs(title: str, columns: dict[str, dict], group_ids, console: Console, labels=None) -> None:
    """The metrics table, then per-group utilities, each readable at 80 columns and full width beyond."""
    console.print(_metrics_table(title, columns, labels))
    console.print("worst-off group: " + "; ".join(
        f"{_name(labels, name, 'design')} {_name(labels, str(c['metrics'].get('worst_group_id')), 'group')}"
        for name, c in columns.items()))
    for table in _group_tables(columns, group_ids, console.width, labels):
        console.print(table)


def print_run(summary: dict, rubric, out: Path, console: Console | None = None,
              decision=None) -> None:
    """The decision summary (when given), the negotiated package vs every base design, then where the files are."""
    console = console or Console()
    if decision is not None:
        console.print("[bold]Decision[/]")
        for line in decision.lines():
            console.print("  " + line, highlight=False)
        console.print()
    neg = {"metrics": summary["metrics"], "per_group": summary["per_group"], "cost": summary["cost"]}
    columns = {"negotiated": neg, **summary["baselines"]}
    status = "agreement" if summary["agreement"] else "NO agreement (disagreement outcome)"
    labels = decision.labels if decision is not None else None
    items = [labels.item(i) if labels else i for i in summary['package']]
    console.print(f"[bold]{scenario_name(summary['scenario'])}[/]: {status} after {summary['rounds']} rounds, "
                  f"mediator {summary['mediator']}, seed {summary['seed']}")
    console.print(f"package ({len(summary['package'])} items, {summary['currency']} {summary['cost']:,.0f} of "
                  f"{summary['currency']} {summary['budget']:,.0f}): {', '.join(items)}")
    print_designs("negotiated package vs city designs (utility in points)", columns, rubric.group_ids, console,
                  labels)
    if summary.get("benchmark") and decision is None:      # the decision summary states it otherwise
        from sim.run.benchmark import price_line

        console.print(price_line(summary["benchmark"]))
    if (summary.get("benchmark") or {}).get("votes") and decision is None:
        from sim.run.votes import votes_line

        console.print(votes_line(summary["benchmark"]["votes"]), highlight=False)
    if decision is not None:
        from sim.analysis.decision import METRIC_HELP

        for key in ("utility", "total", "worst_group", "p20", "gini"):
            console.print(f"[dim]{METRIC_HELP[key]}[/]", highlight=False)
    print_llm_line(summary, console)
    console.print(f"pareto optimal: {_fmt(summary['metrics']['pareto_optimal'])}; "
                  f"run folder: {out}")


def _two(v) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def print_llm_line(summary: dict, console: Console) -> None:
    """One line on the LLM stakeholders' value consistency, fallbacks and recorded events (LLM runs only)."""
    llm = summary.get("llm") or {}
    cons = (llm.get("consistency") or {}).get("overall")
    if not llm:
        return
    events = ", ".join(f"{k} {v}" for k, v in (llm.get("events") or {}).items() if v) or "none"
    head = "LLM"
    if cons:
        head = (f"LLM value consistency vs a truthful rule agent over {cons['decisions']} decisions: "
                f"accept agreement {_two(cons['accept_agreement'])}, "
                f"amendment rank {_two(cons['amendment_rank'])}, ranking tau {_two(cons['ranking_tau'])};")
    console.print(f"{head} fallbacks {llm.get('fallbacks', 0)} of {llm.get('calls', 0)} calls; events: {events}")


def print_evaluation(report, ctx, console: Console | None = None) -> None:
    """Readable evaluation of a planner's package."""
    console = console or Console()
    data = evaluation_dict(report, ctx)
    feas = "feasible" if data["feasible"] else "INFEASIBLE: " + "; ".join(data["infeasible"])
    console.print(f"[bold]proposal[/] ({data['cost']:,.0f} of {data['budget']:,.0f}): {feas}")
    columns = {"proposal": data, **{n: d for n, d in data["designs"].items()}}
    print_designs("proposal vs base designs and optimal packages", columns, ctx.rubric.group_ids, console)
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
