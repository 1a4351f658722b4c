"""Dashboard pages: Runs, Scenario, Negotiation, Outcomes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import charts, data
from sim.core.scenario import ScenarioError, parse_scenario, scenario_to_yaml

SPEAKER_ICONS = {"mediator": ":material/gavel:", "engine": ":material/settings:",
                 "stakeholder": ":material/record_voice_over:"}


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
    return _run(str(folder), stamp)


# ------------------------------------------------------------------------------ Runs
def runs_page(root: Path) -> None:
    """The Runs page: filter the runs by scenario and agreement, pick the open run, compare runs, and browse sweeps."""
    st.header("Runs")
    frame = cached_runs(str(root))
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
        st.dataframe(view, hide_index=True, width="stretch")
        runs = view["run"].tolist()
        if runs:
            current = st.session_state.get("run")
            index = runs.index(current) if current in runs else 0
            st.session_state["run"] = st.selectbox("Open run", runs, index=index, key="runs_open")
            st.caption(f"Open run: `{st.session_state['run']}`; see the Negotiation and Outcomes pages.")
            compare = st.multiselect("Compare runs", runs, key="runs_compare")
            if compare:
                table = view.set_index("run").loc[compare, list(data.METRICS) + ["agreement", "rounds"]]
                st.dataframe(table, width="stretch")
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
                            title="Worst-group utility per axis combination (95% CI)")
        st.plotly_chart(fig, width="stretch")


# ------------------------------------------------------------------------------ Scenario
def scenario_page(root: Path) -> None:
    """The Scenario page: rubric, value profiles and item costs of the open run's scenario or an uploaded one, with an editor."""
    st.header("Scenario")
    scenario = _pasted_or_uploaded()
    if scenario is None:
        run = st.session_state.get("run")
        if run and (root / run / "scenario.yaml").is_file():
            scenario = current_run(root).scenario
            st.caption(f"Scenario of the open run `{run}`; upload or paste another below.")
    if scenario is None:
        st.info("Pick a run on the Runs page, or upload / paste a scenario YAML.")
        return
    st.subheader(f"{scenario.name}: {len(scenario.items)} items, {len(scenario.groups)} groups, "
                 f"budget {scenario.budget:,.0f} {scenario.currency}")
    st.plotly_chart(charts.rubric_heatmap(scenario), width="stretch")
    st.plotly_chart(charts.value_profiles(scenario), width="stretch")
    st.plotly_chart(charts.item_costs(scenario), width="stretch")
    _edit_form(scenario)


def _pasted_or_uploaded():
    with st.expander("Upload or paste a scenario", expanded=False):
        upload = st.file_uploader("Scenario YAML (max 1 MB)", type=["yaml", "yml"], key="scenario_upload")
        text = st.text_area("...or paste YAML", key="scenario_text", height=120)
    source, raw = None, None
    if upload is not None:
        source, raw = upload.name, upload.getvalue()
    elif text.strip():
        source, raw = "pasted scenario", text.encode()
    if raw is None:
        return None
    try:
        scenario = data.parse_upload(source, raw)
    except ScenarioError as err:
        st.error(str(err))
        return None
    st.success(f"{source}: valid scenario")
    return scenario


def _edit_form(scenario) -> None:
    st.subheader("Edit and download")
    with st.form("edit_scenario"):
        budget = st.number_input("Budget", min_value=0.0, value=float(scenario.budget), step=1000.0)
        items = st.data_editor(pd.DataFrame({"id": [i.id for i in scenario.items],
                                             "cost": [i.cost for i in scenario.items]}),
                               disabled=["id"], hide_index=True, key="edit_items")
        submitted = st.form_submit_button("Validate edits")
    if submitted:
        raw = scenario.model_dump(mode="json")
        raw["budget"] = budget
        costs = dict(zip(items["id"], items["cost"]))
        for item in raw["items"]:
            item["cost"] = float(costs[item["id"]])
        try:
            edited = parse_scenario(raw, "edited scenario")
        except ScenarioError as err:
            st.error(str(err))
            return
        st.download_button("Download scenario YAML", scenario_to_yaml(edited),
                           file_name=f"{edited.name}.yaml", mime="text/yaml")


# ------------------------------------------------------------------------------ Negotiation
def negotiation_page(root: Path) -> None:
    """The Negotiation page: the open run round by round.

    Utility and reservation per group, the transcript of the chosen round as chat messages,
    draft costs against the budget, and the full transcript for download.
    """
    st.header("Negotiation")
    view = current_run(root)
    if view is None:
        return
    s = view.summary
    st.caption(f"`{view.folder.name}`: {s['scenario']}, mediator {s['mediator']}, seed {s['seed']}, "
               f"{'agreement' if s['agreement'] else 'no agreement'} after {s['rounds']} rounds; "
               f"{len(view.transcript)} transcript entries, {s.get('fallbacks', 0)} LLM fallbacks")
    _llm_consistency(s)
    frame = data.transcript_frame(view.transcript)
    last = int(frame["round"].max()) if not frame.empty else 0
    chosen = st.slider("Round", 0, max(last, 1), min(1, last), key="round")
    series = data.round_series(view)
    fig = charts.rounds_chart(series)
    fig.add_vline(x=chosen, line_color="black", line_width=1)
    st.plotly_chart(fig, width="stretch")
    st.subheader(f"Round {chosen}")
    for entry in (e for e in view.transcript if e.get("round") == chosen):
        _say(entry, s.get("currency", ""))
    costs = data.draft_costs(view)
    if not costs.empty:
        st.plotly_chart(charts.cost_chart(costs, s["budget"]), width="stretch")
    with st.expander("Full transcript"):
        st.dataframe(frame.drop(columns=[c for c in ("meta",) if c in frame]), width="stretch")
    st.download_button("Download transcript.jsonl", "\n".join(json.dumps(e) for e in view.transcript),
                       file_name="transcript.jsonl")


def _llm_consistency(summary: dict) -> None:
    """A self-contained block: how consistent the LLM stakeholders were with their own values (LLM runs only)."""
    table = data.consistency_frame(summary)
    if table.empty:
        return
    llm = summary.get("llm") or {}
    events = ", ".join(f"{k} {v}" for k, v in (llm.get("events") or {}).items() if v) or "none"
    with st.expander("LLM value consistency", expanded=True):
        st.caption("Each LLM decision against a truthful rule agent in the same state: accept agreement (1 = the "
                   "same accept/object), amendment rank (1 = its best ask), ranking tau (1 = candidates ranked by "
                   f"true utility). Fallbacks {llm.get('fallbacks', 0)} of {llm.get('calls', 0)} calls; "
                   f"recorded events: {events}.")
        st.dataframe(table, width="stretch", hide_index=True)


def _say(entry: dict, currency: str) -> None:
    role, kind = entry.get("role", ""), entry.get("kind", "")
    meta = entry.get("meta") or {}
    fallback = kind == "fallback" or (isinstance(meta, dict) and meta.get("fallback"))
    with st.chat_message(role if role in ("assistant", "user") else "assistant",
                         avatar=SPEAKER_ICONS.get(role, ":material/info:")):
        head = f"**{entry.get('agent')}** · {kind}"
        if fallback:
            head += " · ⚠️ fallback"
        if entry.get("utility") is not None:
            head += f" · utility {entry['utility']:.2f}"
        if entry.get("reservation") is not None:
            head += f" (reservation {entry['reservation']:.2f})"
        st.markdown(head)
        if entry.get("reason"):
            st.write(entry["reason"])
        if entry.get("package") is not None and kind in ("draft", "outcome", "repair", "position"):
            cost = f" ({entry['cost']:,.0f} {currency})" if entry.get("cost") is not None else ""
            st.caption("package" + cost + ": " + (", ".join(entry["package"]) or "nothing"))
        if entry.get("amendments"):
            st.caption("asks: " + "; ".join(entry["amendments"]))


# ------------------------------------------------------------------------------ Outcomes
def outcomes_page(root: Path) -> None:
    """The Outcomes page: the negotiated package against the base designs.

    Per-group utilities, the metrics with the better value marked, Lorenz curves, the Pareto
    frontier, and downloads of summary.json and outcomes.csv.
    """
    st.header("Outcomes")
    view = current_run(root)
    if view is None:
        return
    s = view.summary
    table = data.design_table(s, view.group_ids)
    st.plotly_chart(charts.group_bars(table), width="stretch")
    st.subheader("Metrics (✓ marks the better value)")
    st.dataframe(data.best_marks(data.metrics_table(s)), width="stretch")
    c1, c2 = st.columns(2)
    c1.plotly_chart(charts.lorenz_chart({c: table[c].tolist() for c in table.columns}),
                    width="stretch")
    ctx = context(scenario_to_yaml(view.scenario))
    points = {c: (float(table[c].sum()), float(table[c].min())) for c in table.columns}
    c2.plotly_chart(charts.frontier_chart(data.frontier_frame(ctx), points), width="stretch")
    st.download_button("Download summary.json", json.dumps(s, indent=2), file_name="summary.json")
    outcomes = view.folder / "outcomes.csv"
    if outcomes.is_file():
        st.download_button("Download outcomes.csv", outcomes.read_text(), file_name="outcomes.csv")
