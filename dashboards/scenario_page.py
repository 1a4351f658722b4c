"""The Scenario page: the rubric and the conflicts in it (harms, red lines, links, base designs), an editor."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import charts, data
from dashboards.pages import context, current_run
from sim.analysis.gains import p20_reference
from sim.analysis.labels import labels_for, scenario_name
from sim.core.scenario import ScenarioError, parse_scenario, scenario_to_yaml


def harms_table(scenario) -> pd.DataFrame:
    """Every group-specific effect that differs from the public one, harms (negative scores) first."""
    labels = labels_for(scenario)
    rows = []
    for item in scenario.items:
        for gid, effects in (item.group_effects or {}).items():
            for crit, score in effects.items():
                public = item.effects.get(crit, 0.0)
                if score != public:
                    rows.append({"item": labels.item(item.id), "group": labels.group(gid),
                                 "criterion": labels.criterion(crit),
                                 "public effect": public, "for this group": score})
    frame = pd.DataFrame(rows, columns=["item", "group", "criterion", "public effect", "for this group"])
    return frame.sort_values(["for this group", "item"]).reset_index(drop=True)


def red_lines_table(scenario) -> pd.DataFrame:
    """Red lines and veto per group (groups without any are left out)."""
    labels = {i.id: i.label or i.id for i in scenario.items}
    rows = []
    for g in scenario.groups:
        r = g.red_lines
        if r.must_have or r.never or r.min_utility is not None or g.veto:
            rows.append({"group": g.label or g.id, "must have": ", ".join(labels.get(i, i) for i in r.must_have),
                         "never": ", ".join(labels.get(i, i) for i in r.never),
                         "at least utility": "" if r.min_utility is None else f"{r.min_utility:g}",
                         "veto": "yes" if g.veto else ""})
    return pd.DataFrame(rows, columns=["group", "must have", "never", "at least utility", "veto"])


def links_table(scenario) -> pd.DataFrame:
    """Requires and excludes between items."""
    labels = {i.id: i.label or i.id for i in scenario.items}
    rows = [{"item": labels[i.id], "link": kind, "other item": labels.get(o, o)}
            for i in scenario.items for kind, others in (("requires", i.requires), ("excludes", i.excludes))
            for o in others]
    return pd.DataFrame(rows, columns=["item", "link", "other item"])


def base_designs_table(ctx) -> pd.DataFrame:
    """The planners' base designs with cost and the four metrics."""
    from sim.core.evaluate import evaluate_designs

    labels = labels_for(ctx.scenario)
    reports = evaluate_designs(ctx, dict(ctx.base_packages), {})
    return pd.DataFrame([{"design": labels.design(n), "items": len(r.package), f"cost ({labels.currency})": f"{r.cost:,.0f}",
                          **{labels.metric(k): r.metrics.as_dict().get(k) for k in data.METRICS},
                          "worst-off group": labels.group(r.metrics.worst_group_id)} for n, r in reports.items()])


def scenario_page(root: Path) -> None:
    """The Scenario page: rubric, conflicts, value profiles, costs; upload, paste and edit."""
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
    st.subheader(f"{scenario_name(scenario.name)}: {len(scenario.items)} items, {len(scenario.groups)} groups, "
                 f"budget {scenario.budget:,.0f} {scenario.currency}")
    ctx = context(scenario_to_yaml(scenario))
    st.markdown("#### Where the groups disagree")
    harms = harms_table(scenario)
    if not harms.empty:
        st.caption("Group-specific effects: the same item scores differently for these groups (negative = a harm).")
        st.dataframe(harms.style.map(lambda v: "color: #b00020; font-weight: bold"
                                     if isinstance(v, (int, float)) and v < 0 else "",
                                     subset=["public effect", "for this group"]).format(
                         "{:g}", subset=["public effect", "for this group"]), hide_index=True, width="stretch")
    st.plotly_chart(charts.group_value_heatmap(scenario, ctx.rubric.values), width="stretch")
    st.markdown("**Red lines** (what a group will never accept, or must have)")
    st.dataframe(red_lines_table(scenario), hide_index=True, width="stretch")
    st.markdown("**Items that require or exclude others**")
    st.dataframe(links_table(scenario), hide_index=True, width="stretch")
    st.markdown("**The planners' base designs**")
    names = labels_for(scenario)
    st.dataframe(base_designs_table(ctx), hide_index=True, width="stretch",
                 column_config={names.metric(k): st.column_config.NumberColumn(format="%.3f") for k in data.METRICS})
    st.caption("P20 satisfaction here is scored against the city designs only; on a run's pages it is "
               + p20_reference({"baselines": dict(scenario.base_designs)}, names).replace("scored ", "scored ")
               + " (the negotiated package joins the set).")
    st.plotly_chart(charts.rubric_heatmap(scenario), width="stretch")
    st.plotly_chart(charts.value_profiles(scenario), width="stretch")
    st.plotly_chart(charts.item_costs(scenario), width="stretch")
    _edit_form(scenario)
def _pasted_or_uploaded():
    with st.expander("Upload or paste a scenario", expanded=False):
        upload = st.file_uploader("Scenario YAML (1 MB at most)", type=["yaml", "yml"], key="scenario_upload")
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
        budget = st.number_input(f"Budget ({scenario.currency})", min_value=0.0, value=float(scenario.budget), step=1000.0)
        labels = labels_for(scenario)
        items = st.data_editor(pd.DataFrame({"item": [labels.item(i.id) for i in scenario.items],
                                             f"cost ({scenario.currency})": [i.cost for i in scenario.items]}),
                               disabled=["item"], hide_index=True, key="edit_items")
        submitted = st.form_submit_button("Validate edits")
    if submitted:
        raw = scenario.model_dump(mode="json")
        raw["budget"] = budget
        for item, cost in zip(raw["items"], items[f"cost ({scenario.currency})"]):
            item["cost"] = float(cost)
        try:
            edited = parse_scenario(raw, "edited scenario")
        except ScenarioError as err:
            st.error(str(err))
            return
        st.download_button("Download scenario YAML", scenario_to_yaml(edited),
                           file_name=f"{edited.name}.yaml", mime="text/yaml")


