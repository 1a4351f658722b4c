"""The Compare page: runs side by side (settings, every metric, per-group utilities, package differences).

The selection lives in the URL (`?page=Compare&runs=A&runs=B`), so a comparison is shared as a link
and survives leaving the page.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import charts, data
from dashboards.pages import cached_runs
from sim.analysis.decision import METRIC_HELP
from sim.analysis.labels import Labels, labels_for, scenario_name

ALL_METRICS = ("total", "worst_group", "worst_group_id", "p20", "gini", "nash_welfare", "total_weighted",
               "pareto_optimal")


def _views(root: Path, runs: list[str]) -> dict[str, data.RunView]:
    return {r: data.load_run_view(root / r) for r in runs}


def _metric_cell(key: str, value, labels: Labels) -> str:
    if value is None:
        return "n/a"
    if key == "worst_group_id":
        return labels.group(str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def settings_table(views: dict[str, data.RunView], designs: list[str] = ()) -> pd.DataFrame:
    """Scenario, mediator, agents, seed, agreement, rounds, cost and every metric, one column per run.

    `designs` adds the first run's city designs as columns (metrics and cost; settings n/a).
    """
    rows: dict[str, dict] = {}
    for name, v in views.items():
        s, m, labels = v.summary, v.summary.get("metrics", {}), labels_for(v.scenario)
        money = s.get("currency") or labels.currency
        col = {"scenario": scenario_name(s.get("scenario")), "mediator": s.get("mediator"),
               "agents": labels.words(data.agents_text(s.get("agents"))), "seed": s.get("seed"),
               "agreement": "yes" if s.get("agreement") else "no", "rounds": s.get("rounds"),
               f"cost ({money})": f"{s.get('cost', 0):,.0f} of {s.get('budget', 0):,.0f}",
               "note": labels.words(data.run_note(s)) or "none"}
        col.update({labels.metric(k): _metric_cell(k, m.get(k), labels) for k in ALL_METRICS})
        rows[name] = col
    first = next(iter(views.values()), None)
    for d in designs if first else []:
        record, labels = first.summary["baselines"][d], labels_for(first.scenario)
        col = {f"cost ({labels.currency})": f"{record.get('cost', 0):,.0f}",
               **{labels.metric(k): _metric_cell(k, record["metrics"].get(k), labels) for k in ALL_METRICS}}
        rows[f"city design {labels.design(d)}"] = col
    return pd.DataFrame(rows).fillna("n/a").astype(str)


def groups_table(views: dict[str, data.RunView], designs: list[str] = ()) -> pd.DataFrame:
    """Per-group utility of each run's package, the first run's chosen city designs, last minus first.

    Groups of every run in first-seen order, by label.
    """
    groups: list[str] = []
    names: dict[str, str] = {}
    for v in views.values():
        groups += [g for g in v.group_ids if g not in groups]
        names.update(labels_for(v.scenario).groups)
    table = {name: [v.summary.get("per_group", {}).get(g) for g in groups] for name, v in views.items()}
    first = next(iter(views.values()), None)
    for d in designs if first else []:
        per_group = first.summary["baselines"][d]["per_group"]
        table[f"city design {labels_for(first.scenario).design(d)}"] = [per_group.get(g) for g in groups]
    frame = pd.DataFrame(table, index=[names.get(g, g) for g in groups], dtype=float)
    if frame.shape[1] >= 2:
        frame[f"difference ({frame.columns[-1]} − {frame.columns[0]})"] = frame.iloc[:, -1] - frame.iloc[:, 0]
    return frame


def package_table(views: dict[str, data.RunView]) -> pd.DataFrame:
    """Items funded by at least one run: ✓ per run; items where the runs differ first."""
    labels: dict[str, str] = {}
    for v in views.values():
        labels.update({i.id: i.label or i.id for i in v.scenario.items})
    funded = {name: set(v.summary.get("package") or []) for name, v in views.items()}
    items = [i for i in labels if any(i in f for f in funded.values())]
    frame = pd.DataFrame({name: ["✓" if i in f else "" for i in items] for name, f in funded.items()},
                         index=[labels[i] for i in items])
    differs = frame.nunique(axis=1) > 1
    return pd.concat([frame[differs], frame[~differs]]).assign(
        differs=["yes" if d else "" for d in list(differs[differs]) + list(differs[~differs])])


def _same_note(views: dict[str, data.RunView]) -> None:
    """Say so when the runs funded the same items with the same utilities (a rerun that changed nothing)."""
    packages = {tuple(sorted(v.summary.get("package") or [])) for v in views.values()}
    utilities = {tuple(sorted((v.summary.get("per_group") or {}).items())) for v in views.values()}
    if len(views) > 1 and len(packages) == 1 and len(utilities) == 1:
        st.info("These runs end in the same package with the same utilities: the change made no difference "
                "to the outcome.")


def compare_page(root: Path) -> None:
    """Pick runs (kept in the URL) and see them side by side."""
    st.header("Compare runs")
    runs = cached_runs(str(root))["run"].tolist()
    if "compare_runs" not in st.session_state:          # a shared link, or back from another page
        st.session_state["compare_runs"] = st.query_params.get_all("runs") or st.session_state.get("compare_keep", [])
    st.session_state["compare_runs"] = [r for r in st.session_state["compare_runs"] if r in runs]
    chosen = st.multiselect("Runs to compare", runs, key="compare_runs")
    st.session_state["compare_keep"] = list(chosen)
    st.query_params["runs"] = chosen
    if not chosen:
        st.info("Pick two or more runs; the page address then holds the selection, so it can be shared as a link.")
        return
    views = _views(root, chosen)
    scenarios = sorted({scenario_name(v.summary.get("scenario")) for v in views.values()})
    if len(scenarios) > 1:
        st.warning(f"These runs come from {len(scenarios)} different scenarios ({', '.join(scenarios)}): "
                   "utilities and metrics are on different scales and do not compare.")
    first = next(iter(views.values()))
    labels = labels_for(first.scenario)
    designs = st.multiselect("Add the city's base designs (of the first run's scenario)",
                             list(first.summary.get("baselines") or {}), format_func=labels.design,
                             key="compare_designs")
    st.caption("Columns follow the order picked; this page's address reproduces the comparison.")
    st.subheader("Settings and metrics")
    st.table(settings_table(views, designs))
    st.caption(" · ".join(METRIC_HELP[k] for k in ("total", "worst_group", "p20", "gini")))
    _same_note(views)
    st.subheader("Utility per group (points)")
    groups = groups_table(views, designs)
    columns = [c for c in groups.columns if not c.startswith("difference")]
    st.table(groups.style.format("{:.3f}", na_rep="n/a").highlight_max(axis=1, subset=columns, color="#d6e9f8"))
    st.plotly_chart(charts.group_bars(groups[columns], "Utility per group, run by run"), width="stretch")
    st.subheader("Funded items (where the runs differ first)")
    st.table(package_table(views))
