"""The What-if page: a small seeded budget sweep from the browser, metrics plotted against the budget.

Each budget is one call of the library's `sim.run_many` (mediator, information and voice as
chosen, the same seeds at every budget), so the progress bar moves budget by budget and the
numbers are those `negsim sweep` would give.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

from dashboards.pages import current_run
from sim.analysis.labels import Labels, labels_for
from sim.report.svg import PALETTE

SHOWN = ("total", "worst_group", "p20", "gini")
MEDIATORS = ("negotiated", "utilitarian", "maximin", "nash")
VOICES = {"truthful": "every group states its true values", "exaggerate": "groups exaggerate their priorities",
          "silent": "groups only accept or object"}          # sim.core.voice.VOICES


def budgets(low: float, high: float, points: int) -> list[float]:
    """`points` budgets evenly from low to high, rounded to the thousand."""
    return sorted({float(round(b, -3)) for b in np.linspace(low, high, points)})


def sweep(scenario, values: list[float], seeds: int, settings: dict, step) -> pd.DataFrame:
    """One run_many per budget (same seeds each time); `step(done, total)` after each."""
    import sim

    parts = []
    for i, budget in enumerate(values):
        grid = {"budget": [budget], **{k: [v] for k, v in settings.items()}}
        parts.append(sim.run_many(scenario, grid, seeds=seeds, seed=int(scenario.protocol.seed)))
        step(i + 1, len(values))
    return pd.concat(parts, ignore_index=True)


def budget_figure(frame: pd.DataFrame, labels: Labels):
    """Mean of each metric per budget (points), one panel per metric, labelled axes with units."""
    mean = frame.groupby("budget", as_index=False)[list(SHOWN)].mean()
    long = mean.melt(id_vars="budget", var_name="metric", value_name="value")
    long["metric"] = long["metric"].map(labels.metric)
    fig = px.line(long, x="budget", y="value", facet_col="metric", facet_col_wrap=2, markers=True,
                  color_discrete_sequence=[PALETTE[0]], labels={"budget": f"budget ({labels.currency})", "value": ""})
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=", 1)[-1]))
    fig.update_yaxes(matches=None, showticklabels=True)
    fig.update_xaxes(tickformat=",.0f")
    fig.update_layout(height=620, title="Mean over the seeds, per budget")
    return fig


def whatif_page(root: Path) -> None:
    """Pick a budget range, mediator, information and voice; run a small seeded sweep; see the metrics move."""
    st.header("What if")
    view = current_run(root)
    if view is None:
        return
    scenario, labels = view.scenario, labels_for(view.scenario)
    base = float(scenario.budget)
    low, high = st.slider(f"Budget range ({labels.currency})", min_value=round(0.5 * base, -3),
                          max_value=round(1.5 * base, -3), value=(round(0.75 * base, -3), round(1.25 * base, -3)),
                          step=max(1000.0, round(base / 100, -3)), format="%,d", key="whatif_budget")
    c1, c2, c3 = st.columns(3)
    points = c1.number_input("Budgets", 2, 7, 3, key="whatif_points")
    seeds = c2.number_input("Seeds per budget", 1, 5, 2, key="whatif_seeds")
    mediator = c3.selectbox("Mediator", MEDIATORS, key="whatif_mediator")
    information = st.radio("What the mediator knows", ["private", "full"], horizontal=True, key="whatif_information")
    voice = st.radio("How the groups speak", list(VOICES), format_func=VOICES.get, horizontal=True,
                     key="whatif_voice")
    values = budgets(low, high, int(points))
    st.caption(f"{len(values) * int(seeds)} runs: budgets " + ", ".join(labels.money(b) for b in values)
               + f"; seeds spawned from the scenario's seed {scenario.protocol.seed}.")
    if st.button("Run the what-if", key="whatif_go"):
        bar = st.progress(0.0, text="starting ...")
        settings = {"mediator": mediator, "information": information, "voice": voice}
        st.session_state["whatif_result"] = sweep(scenario, values, int(seeds), settings,
                                                  lambda d, n: bar.progress(d / n, text=f"budget {d} of {n} done"))
    frame = st.session_state.get("whatif_result")
    if frame is None:
        return
    failed = frame[frame["error"].astype(str) != ""]
    if len(failed):
        st.error(f"{len(failed)} of {len(frame)} runs failed: {failed['error'].iloc[0]}")
    ok = frame[frame["error"].astype(str) == ""]
    st.plotly_chart(budget_figure(ok, labels), width="stretch")
    st.caption("P20 satisfaction in each run is scored against that run's own designs (its negotiated package and "
               "the city designs at that budget).")
    table = ok.groupby("budget", as_index=False).agg(agreement=("agreement", "mean"), **{
        labels.metric(k): (k, "mean") for k in SHOWN})
    st.dataframe(table.rename(columns={"budget": f"budget ({labels.currency})", "agreement": "share agreed"}),
                 hide_index=True, width="stretch")
