"""The Runs page and what every page shares: the runs table cache, the open run, the scenario context."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import charts, data
from sim.core.errors import NegsimError

RUN_COLUMNS = {
    "run": st.column_config.TextColumn("run", width="medium"),
    "scenario": st.column_config.TextColumn("scenario", width="medium"),
    "created": st.column_config.TextColumn("created (UTC)", width="medium"),
    "seed": st.column_config.NumberColumn("seed", width="small"),
    "mediator": st.column_config.TextColumn("mediator", width="small"),
    "agents": st.column_config.TextColumn("agents", width="small"),
    "agreement": st.column_config.CheckboxColumn("agreed", width="small"),
    "rounds": st.column_config.NumberColumn("rounds", width="small"),
    **{m: st.column_config.NumberColumn(n, format="%.3f", width="small", help=h)
       for m, n, h in (("total", "total", "sum of group utilities"),
                       ("worst_group", "worst group", "utility of the worst-off group"),
                       ("p20", "P20", "20th percentile of satisfaction"),
                       ("gini", "Gini", "inequality of group utilities (lower is fairer)"))},
}


@st.cache_data(ttl=5, show_spinner=False)
def cached_runs(root: str) -> pd.DataFrame:
    """The runs under `root` as a table, cached for five seconds so new runs show up soon."""
    return data.list_runs(Path(root))


@st.cache_data(show_spinner=False, max_entries=32)
def _run(folder: str, stamp: int) -> data.RunView:
    return data.load_run_view(Path(folder))


@st.cache_resource(show_spinner=False, max_entries=8)
def context(scenario_yaml: str):
    """The NegotiationContext of a scenario, cached per scenario YAML so the search cache is shared across reruns."""
    from sim.core.scenario import loads_scenario
    return data.context_for(loads_scenario(scenario_yaml, "scenario.yaml"))


def current_run(root: Path) -> data.RunView | None:
    """The run picked on the Runs page (or None, with a hint)."""
    run = st.session_state.get("run")
    if not run or not (root / run / "summary.json").is_file():
        st.info("Pick a run on the **Runs** page first.")
        return None
    folder = root / run
    stamp = max([folder.stat().st_mtime_ns] + [p.stat().st_mtime_ns for p in folder.iterdir()])  # reload on changes
    try:
        view = _run(str(folder), stamp)
    except NegsimError as err:                 # a run folder broken after it was listed
        st.warning(f"Skipped a broken run folder: {err}")
        return None
    st.caption(data.run_identity(run, view.summary))
    return view


# ------------------------------------------------------------------------------ Runs
def runs_page(root: Path) -> None:
    """The Runs page: filter the runs by scenario and agreement, pick the open run, compare runs, and browse sweeps."""
    st.header("Runs")
    frame = cached_runs(str(root))
    for note in frame.attrs.get("skipped", [])[:5]:
        st.warning(f"Skipped a broken run folder: {note}")
    if frame.empty:
        st.info(f"No runs under `{root}` yet. Make one with "
                f"`negsim run scenarios/montreal_streets.yaml --out {root}/first`, "
                f"or open the **Proposal lab** and run a negotiation from a proposal.")
    else:
        scenarios = sorted(frame["scenario"].dropna().unique())
        c1, c2 = st.columns(2)
        chosen = c1.multiselect("Scenario", scenarios, default=scenarios, key="runs_scenarios")
        agreed = c2.selectbox("Agreement", ["all", "agreement", "no agreement"], key="runs_agreement")
        view = frame[frame["scenario"].isin(chosen)]
        if agreed != "all":
            view = view[view["agreement"] == (agreed == "agreement")]
        st.dataframe(view, hide_index=True, width="stretch", column_config=RUN_COLUMNS)
        runs = view["run"].tolist()
        if runs:
            current = st.session_state.get("run")
            index = runs.index(current) if current in runs else 0
            st.session_state["run"] = st.selectbox("Open run", runs, index=index, key="runs_open")
            st.caption(f"Open run: `{st.session_state['run']}`; see the Negotiation and Outcomes pages, "
                       "or the **Compare** page to set runs side by side.")
    _sweeps(root)


def _sweeps(root: Path) -> None:
    sweeps = data.list_sweeps(root)
    if not sweeps:
        return
    st.subheader("Sweeps")
    from sim.run.sweep.aggregate import aggregate, load_results

    folder = st.selectbox("Sweep", sweeps, key="runs_sweep")
    frame, axes = load_results(root / folder)
    table = aggregate(frame, axes)
    st.caption(f"{len(frame)} runs; mean and 95% bootstrap interval per axis combination")
    st.dataframe(table, hide_index=True, width="stretch")
    if axes:
        label = table[axes].astype(str).agg(" / ".join, axis=1)
        fig = charts.px.bar(table.assign(combination=label), x="combination", y="worst_group_mean",
                            error_y=table["worst_group_hi"] - table["worst_group_mean"],
                            error_y_minus=table["worst_group_mean"] - table["worst_group_lo"],
                            title="Utility of the worst-off group per axis combination (mean, 95% CI)",
                            labels={"worst_group_mean": "utility of the worst-off group (points)",
                                    "combination": " / ".join(axes)},
                            color_discrete_sequence=[charts.PALETTE[0]])
        st.plotly_chart(fig, width="stretch")
