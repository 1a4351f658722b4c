"""The Outcomes page: what was decided and why, then the negotiated package against the base designs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import charts, data
from dashboards.pages import context, current_run
from sim.analysis.decision import METRIC_HELP, DecisionSummary, decision_summary
from sim.core.scenario import scenario_to_yaml


def show_decision(decision: DecisionSummary, group_labels: dict[str, str]) -> None:
    """The decision summary: funded items with cost, budget used, change against the best base, who moved."""
    st.subheader("What was decided")
    (st.success if decision.agreement else st.warning)(decision.headline())
    c1, c2 = st.columns([3, 2])
    funded = pd.DataFrame({"item": [label for _, label, _ in decision.funded],
                           f"cost ({decision.currency})": [cost for _, _, cost in decision.funded]})
    c1.dataframe(funded, hide_index=True, width="stretch", height=35 * (len(funded) + 1) + 3,
                 column_config={f"cost ({decision.currency})": st.column_config.NumberColumn(format="localized")})
    c2.progress(min(1.0, decision.budget_share), text=decision.budget_line())
    if decision.best_base:
        c2.markdown(f"**Against the best base design** `{decision.best_base}`:")
        change = [f"- :green[**+ add**] {label}" for _, label in decision.added]
        change += [f"- :red[**− drop**] {label}" for _, label in decision.dropped]
        c2.markdown("\n".join(change) or "- the same items")
    if decision.moves:
        moves = pd.DataFrame({"group": [group_labels.get(m.group, m.group) for m in decision.moves],
                              "reservation at start": [m.start for m in decision.moves],
                              "at the end": [m.end for m in decision.moves],
                              "fell by": [m.fell for m in decision.moves]})
        when = f"agreement in round {decision.rounds}" if decision.agreement else f"round {decision.rounds}"
        st.markdown(f"**Why it ended there**: {len(decision.moved)} of {len(decision.moves)} groups lowered "
                    f"the utility they asked for (their reservation) between their first reply and {when}.")
        st.dataframe(moves.round(2), hide_index=True, width="stretch")
    if decision.price:
        st.info(decision.price_line())


def metric_row(metrics: dict) -> None:
    """The four metrics as big numbers, each with its plain-language help."""
    cols = st.columns(4)
    names = {"total": "total", "worst_group": "worst group", "p20": "P20", "gini": "Gini"}
    for col, key in zip(cols, data.METRICS):
        value = metrics.get(key)
        col.metric(names[key], "n/a" if value is None else f"{value:.3f}", help=METRIC_HELP[key])


def outcomes_page(root: Path) -> None:
    """The Outcomes page: the decision summary, then the negotiated package against the base designs.

    Per-group utilities, the metrics with the better value marked, Lorenz curves, the Pareto
    frontier, and downloads of summary.json, outcomes.csv and the printable report.
    """
    st.header("Outcomes")
    view = current_run(root)
    if view is None:
        return
    s = view.summary
    decision = decision_summary(s, view.transcript, view.scenario)
    st.session_state["decision"] = decision            # what the page shows, for tests
    show_decision(decision, {g.id: g.label or g.id for g in view.scenario.groups})
    metric_row(s.get("metrics", {}))
    table = data.design_table(s, view.group_ids)
    st.plotly_chart(charts.group_bars(table), width="stretch")
    st.caption(METRIC_HELP["utility"].capitalize() + ".")
    st.subheader("Metrics (✓ marks the better value)")
    st.dataframe(data.best_marks(data.metrics_table(s)), width="stretch")
    c1, c2 = st.columns(2)
    c1.plotly_chart(charts.lorenz_chart({c: table[c].tolist() for c in table.columns}), width="stretch")
    ctx = context(scenario_to_yaml(view.scenario))
    points = {c: (float(table[c].sum()), float(table[c].min())) for c in table.columns}
    c2.plotly_chart(charts.frontier_chart(data.frontier_frame(ctx), points), width="stretch")
    downloads(view)


def downloads(view: data.RunView) -> None:
    """Download buttons: summary.json, outcomes.csv and the one-file HTML report."""
    from sim.report.html import report_html

    c1, c2, c3 = st.columns(3)
    c1.download_button("Download the report (HTML, printable)", report_html(view.folder),
                       file_name=f"report-{view.folder.name}.html", mime="text/html", key="report_download")
    c2.download_button("Download summary.json", json.dumps(view.summary, indent=2), file_name="summary.json")
    outcomes = view.folder / "outcomes.csv"
    if outcomes.is_file():
        c3.download_button("Download outcomes.csv", outcomes.read_text(), file_name="outcomes.csv")
