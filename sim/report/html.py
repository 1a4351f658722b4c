"""The printable report of a run folder: one self-contained HTML file (static SVG charts, no scripts).

Decision summary, the metrics beside the base designs (with their meaning), per-group
utilities, Lorenz curves, the (total, worst group) frontier, transcript highlights and the
scenario's sources. `negsim report-run` writes it (or a PDF printed from it by Chromium);
the dashboard offers it as a download.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np

from sim.analysis.decision import METRIC_HELP, decision_summary
from sim.analysis.gains import p20_reference
from sim.analysis.labels import Labels, labels_for, scenario_name
from sim.analysis.transcript import readable_transcript
from sim.core.metrics import gini, lorenz_curve
from sim.core.records import read_run_scenario, read_summary, read_transcript
from sim.report.svg import Series, design_colors, svg_chart

__all__ = ["report_html"]

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1000px;margin:24px auto;
color:#222;line-height:1.4;padding:0 16px}
h1{font-size:24px;margin-bottom:4px}h2{font-size:18px;border-bottom:1px solid #ccc;margin-top:28px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px}
th{background:#f3f3f3;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.best{font-weight:bold;color:#176317}.muted{color:#666;font-size:12px}.flag{color:#a40000}
.caveat{background:#fff4d6;border-left:4px solid #E69F00;padding:6px 10px}
.charts{display:flex;flex-wrap:wrap;gap:12px}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}table,svg{page-break-inside:avoid}}
"""
METRICS = (("total", max), ("worst_group", max), ("p20", max), ("gini", min))
ASSUMPTIONS = ("Effect scores, group weights and costs are assumptions written into the scenario file, not "
               "survey data: every figure in this report follows from them.")


def _fmt(v) -> str:
    return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else escape(str(v))


def _table(head: list[str], rows: list[list[str]]) -> str:
    out = ["<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    out += ["<tr>" + "".join(rows_cell for rows_cell in row) + "</tr>" for row in rows]
    return "\n".join(out) + "</table>"


def _designs(summary: dict) -> dict[str, dict]:
    neg = {"metrics": summary.get("metrics", {}), "per_group": summary.get("per_group", {}),
           "cost": summary.get("cost", 0.0), "package": summary.get("package", [])}
    return {"negotiated": neg, **(summary.get("baselines") or {})}


def _metrics_section(designs: dict[str, dict], colors: dict[str, str], labels: Labels, p20_note: str) -> str:
    best = {}
    for key, better in METRICS:
        known = [d["metrics"].get(key) for d in designs.values() if d["metrics"].get(key) is not None]
        best[key] = better(known) if known else None
    rows = []
    for name, d in designs.items():
        cells = [f'<td><span class="swatch" style="background:{colors[name]}"></span>'
                 f'{escape(labels.design(name))}</td>']
        for key, _ in METRICS:
            v = d["metrics"].get(key)
            mark = ' class="num best"' if v is not None and best[key] is not None and abs(v - best[key]) < 1e-9 \
                else ' class="num"'
            cells.append(f"<td{mark}>{_fmt(v)}</td>")
        cells.append(f'<td class="num">{d.get("cost", 0):,.0f}</td>')
        rows.append(cells)
    table = _table(["design", *(escape(labels.metric(k)) + (" ↑" if better is max else " ↓") for k, better in METRICS),
                    f"cost ({escape(labels.currency)})"], rows)
    help_ = "".join(f"<li>{escape(METRIC_HELP[k])}</li>" for k in ("utility", "total", "worst_group", "p20", "gini"))
    return (f"<h2>Metrics</h2>{table}<p class='muted'>Best value in bold. P20 satisfaction is "
            f"{escape(p20_note)}.</p><ul class='muted'>{help_}</ul>")


def _groups_section(designs: dict[str, dict], scenario, labels: Labels) -> str:
    names = list(designs)
    rows = []
    for g in scenario.groups:
        values = [designs[n]["per_group"].get(g.id) for n in names]
        top = max(v for v in values if v is not None) if any(v is not None for v in values) else None
        rows.append([f"<td>{escape(g.label or g.id)}</td>"] + [
            f'<td class="num{" best" if v is not None and top is not None and abs(v - top) < 1e-9 else ""}">'
            f"{_fmt(v)}</td>" for v in values])
    head = ["group", *(escape(labels.design(n)) for n in names)]
    return "<h2>Utility per group (points)</h2>" + _table(head, rows) + \
        "<p class='muted'>Bold: the best design for that group.</p>"


def _charts(designs: dict[str, dict], scenario, colors: dict[str, str], labels: Labels) -> str:
    from sim.core.context import make_context

    lorenz = [Series("equality", [0, 1], [0, 1], "#999999", markers=False, dash=True)]
    points = []
    for name, d in designs.items():
        u = np.array([d["per_group"].get(g.id, 0.0) for g in scenario.groups], dtype=float)
        pop, share = lorenz_curve(u)
        g = gini(u)
        shown = labels.design(name)
        lorenz.append(Series(f"{shown} ({'Gini n/a' if g is None else f'Gini {g:.3f}'})", list(pop), list(share),
                             colors[name]))
        points.append(Series(shown, [float(u.sum())], [float(u.min())], colors[name], line=False))
    ctx = make_context(scenario)
    frontier = ctx.search.pareto_frontier()
    front = Series("Pareto frontier (hollow circles)", [p.total for p in frontier], [p.worst_group for p in frontier],
                   "#000000", hollow=True,
                   labels=[", ".join(labels.item(i) for i in ctx.rubric.ids(p.package)) for p in frontier])
    left = svg_chart("Lorenz curves of group utilities", lorenz, "share of groups (poorest first)",
                     "share of utility", (0, 1), (0, 1))
    right = svg_chart("Total vs worst group: frontier and designs", [front, *points], "total utility (points)",
                      "worst-off group's utility (points)")
    return f"<h2>Charts</h2><div class='charts'>{left}{right}</div>"


def _highlights(transcript: list[dict], scenario) -> str:
    from sim.core.rubric import build_rubric

    rows = readable_transcript(transcript, scenario, build_rubric(scenario))
    items = []
    for r in rows:
        if r.kind == "draft":
            replies = [x for x in rows if x.round == r.round and x.kind in ("accept", "object")]
            accepts = sum(x.kind == "accept" for x in replies)
            items.append(f"<li><b>Round {r.round}</b>: the mediator tables {len(r.package or [])} items "
                         f"({escape(r.text)}); {accepts} of {len(replies)} groups accept.")
            objections = [x for x in replies if x.kind == "object"][:4]
            if objections:
                items.append("<ul>" + "".join(
                    f"<li>{escape(x.speaker or x.agent)} objects"
                    + (f" (falls short on {escape(', '.join(c for c, _ in x.drivers))})" if x.drivers else "")
                    + (f": asks {escape(x.asks)}" if x.asks else "") + "</li>" for x in objections) + "</ul>")
        for flag in r.flags:
            items.append(f"<li class='flag'>Row {r.index} ({escape(r.speaker or r.agent)}, round {r.round}): "
                         f"{escape(flag)}</li>")
        if r.kind == "outcome":
            items.append(f"<li><b>Outcome</b>: {escape(r.text)}.</li>")
    return "<h2>How the negotiation went</h2><ul>" + "\n".join(items) + "</ul>"


def report_html(run_dir: Path) -> str:
    """The whole report of a run folder as one HTML document."""
    run_dir = Path(run_dir)
    summary, transcript = read_summary(run_dir), read_transcript(run_dir)
    scenario = read_run_scenario(run_dir)
    decision = decision_summary(summary, transcript, scenario)
    labels = decision.labels or labels_for(scenario)
    designs = _designs(summary)
    colors = design_colors(designs)
    funded = _table(["funded item", f"cost ({escape(decision.currency)})"],
                    [[f"<td>{escape(label)}</td>", f'<td class="num">{cost:,.0f}</td>']
                     for _, label, cost in decision.funded])
    lines = "".join(f"<li>{escape(line)}</li>" for line in decision.lines())
    sources = "".join(f"<li>{escape(s)}</li>" for s in scenario.sources) or "<li>none given</li>"
    meta = (f"Run <code>{escape(run_dir.name)}</code> · mediator {escape(str(summary.get('mediator')))} · "
            f"information {escape(str(summary.get('information') or 'private'))} · "
            f"seed {escape(str(summary.get('seed')))} · {escape(str(summary.get('created', '')))}")
    return "\n".join([
        "<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>negsim report: {escape(scenario_name(scenario.name))}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(scenario_name(scenario.name))}: negotiation report</h1><p class='muted'>{meta}</p>",
        f"<p class='caveat'><b>Read with care:</b> {escape(ASSUMPTIONS)}</p>",
        f"<p>{escape(scenario.description)}</p>",
        f"<h2>What was decided</h2><ul>{lines}</ul>{funded}",
        _metrics_section(designs, colors, labels, p20_reference(summary, labels)),
        _groups_section(designs, scenario, labels),
        _charts(designs, scenario, colors, labels), _highlights(transcript, scenario),
        f"<h2>Sources of the scenario</h2><ul>{sources}</ul>",
        "<p class='muted'>Made with negsim from the run folder's summary.json, transcript.jsonl and "
        "scenario.yaml.</p></body></html>"])
