"""The Outcomes page: what was decided and why, then the negotiated package against the base designs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import charts, data
from dashboards.pages import context, current_run
from sim.analysis.decision import METRIC_HELP, DecisionSummary, decision_summary
from sim.analysis.gains import p20_reference
from sim.analysis.labels import Labels
from sim.core.scenario import scenario_to_yaml


def show_decision(decision: DecisionSummary) -> None:
    """The decision summary: funded items with cost, budget used, change against the best base, who moved."""
    st.subheader("What was decided")
    (st.success if decision.agreement else st.error)(decision.headline())
    c1 = c2 = st.container()                  # stacked: holds at 800 px
    money = f"cost ({decision.currency})"
    funded = pd.DataFrame({"item": [label for _, label, _ in decision.funded],
                           money: [cost for _, _, cost in decision.funded]})
    c1.dataframe(funded, hide_index=True, width="stretch", height=35 * (len(funded) + 1) + 3,
                 column_config={money: st.column_config.NumberColumn(format="localized")})
    c2.progress(min(1.0, decision.budget_share), text=decision.budget_line())
    if decision.best_base:
        c2.markdown(f"**Against the city design {decision.design_label}**:")
        change = [f"- :blue[**+ add**] {label}" for _, label in decision.added]
        change += [f"- :orange[**− drop**] {label}" for _, label in decision.dropped]
        c2.markdown("\n".join(change) or "- the same items")
    for line in decision.blocker_lines():
        st.error(line)


def show_gains(decision: DecisionSummary) -> None:
    """Who gains and who loses against the city design (largest loss first), worse metrics, why per item."""
    gains = decision.gains
    if gains is None:
        return
    st.subheader(f"Who gains and who loses against {gains.design_label}")
    st.markdown(f"Worst-off group under the negotiated package: **{gains.worst_off}** "
                f"(utility {gains.worst_off_utility:.2f} points).")
    frame = pd.DataFrame({"group": [c.label for c in gains.changes],
                          "change (points)": [round(c.change, 2) for c in gains.changes],
                          "negotiated (points)": [round(c.negotiated, 2) for c in gains.changes],
                          f"{gains.design_label} (points)": [round(c.design, 2) for c in gains.changes]})
    st.dataframe(frame, hide_index=True, width="stretch")
    for sentence in gains.worse:
        st.warning(sentence)
    if decision.why:
        st.markdown("**Why each item changed** (from the transcript):\n"
                    + "\n".join(f"- {w.sentence(decision.labels)}" for w in decision.why))


def show_moves(decision: DecisionSummary) -> None:
    """How far each group lowered the utility it asked for."""
    if not decision.moves:
        return
    moves = pd.DataFrame({"group": [decision.group(m.group) for m in decision.moves],
                          "asked for at the start (points)": [m.start for m in decision.moves],
                          "at the end (points)": [m.end for m in decision.moves],
                          "fell by (points)": [m.fell for m in decision.moves]})
    when = f"agreement in round {decision.rounds}" if decision.agreement else f"round {decision.rounds}"
    st.markdown(f"**How groups conceded**: {len(decision.moved)} of {len(decision.moves)} groups lowered "
                f"the utility they asked for (their reservation) between their first reply and {when}.")
    st.dataframe(moves.round(2), hide_index=True, width="stretch")


def metric_row(metrics: dict, p20_note: str = "") -> None:
    """The four metrics as big numbers, each with its plain-language help (P20 with its reference set)."""
    cols = [c for _ in range(2) for c in st.columns(2)]        # 2 x 2: the metric names fit at 800 px
    for col, key in zip(cols, data.METRICS):
        value = metrics.get(key)
        note = f"; {p20_note}" if key == "p20" and p20_note else ""
        col.metric(Labels.metric(key), "n/a" if value is None else f"{value:.3f}", help=METRIC_HELP[key] + note)
    if p20_note:
        st.caption(f"P20 satisfaction is {p20_note}: it changes when other designs are compared.")


def outcomes_page(root: Path) -> None:
    """The Outcomes page: the decision summary, gains and losses, then the package against the base designs.

    Per-group utilities, the metrics with the better value marked, Lorenz curves, the Pareto
    frontier, and downloads of summary.json, outcomes.csv and the printable report.
    """
    st.header("Outcomes")
    view = current_run(root)
    if view is None:
        return
    s = view.summary
    decision = decision_summary(s, view.transcript, view.scenario)
    labels = decision.labels
    st.session_state["decision"] = decision            # what the page shows, for tests
    show_decision(decision)
    show_gains(decision)
    show_moves(decision)
    if decision.price:
        st.info(decision.price_line())
    if decision.votes:
        st.info(decision.votes_line())
    metric_row(s.get("metrics", {}), p20_reference(s, labels))
    table = data.design_table(s, view.group_ids)
    st.plotly_chart(charts.group_bars(data.labelled(table, labels)), width="stretch")
    st.caption(METRIC_HELP["utility"].capitalize() + ".")
    st.subheader("Metrics (✓ marks the better value)")
    st.dataframe(data.labelled(data.best_marks(data.metrics_table(s)), labels, index="metric"), width="stretch")
    c1, c2 = st.columns(2)
    named = data.labelled(table, labels)
    c1.plotly_chart(charts.lorenz_chart({c: named[c].tolist() for c in named.columns}), width="stretch")
    ctx = context(scenario_to_yaml(view.scenario))
    points = {c: (float(named[c].sum()), float(named[c].min())) for c in named.columns}
    c2.plotly_chart(charts.frontier_chart(data.frontier_frame(ctx), points), width="stretch")
    downloads(view)


def downloads(view: data.RunView) -> None:
    """Download buttons: summary.json, outcomes.csv and the one-file HTML report."""
    from sim.report.export import export_csv, export_tables, export_xlsx
    from sim.report.html import report_html

    st.subheader("Downloads")
    st.download_button("Download the report (HTML, printable)", report_html(view.folder),
                       file_name=f"report-{view.folder.name}.html", mime="text/html", key="report_download")
    tables = export_tables(view.summary, view.scenario)
    st.download_button("Download outcomes, utilities and package (Excel)", export_xlsx(tables),
                       file_name=f"{view.folder.name}.xlsx", key="xlsx_download",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    cols = st.columns(len(tables))
    for col, (name, table) in zip(cols, tables.items()):
        slug = name.lower().replace(" ", "-")
        col.download_button(f"{name} (CSV)", export_csv(table), file_name=f"{view.folder.name}-{slug}.csv",
                            mime="text/csv", key=f"csv_{slug}")
    with st.expander("Technical files (ids, for scripts)"):
        st.download_button("Download summary.json", json.dumps(view.summary, indent=2), file_name="summary.json")
        outcomes = view.folder / "outcomes.csv"
        if outcomes.is_file():
            st.download_button("Download outcomes.csv", outcomes.read_text(), file_name="outcomes.csv")
