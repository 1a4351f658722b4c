"""The Compare page: runs side by side (settings, every metric, per-group utilities, package differences).

The selection lives in the URL (`?page=Compare&runs=A&runs=B`), so a comparison is shared as a link
and survives leaving the page.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.pages import cached_runs
from sim.analysis.decision import METRIC_HELP

ALL_METRICS = ("total", "worst_group", "worst_group_id", "p20", "gini", "nash_welfare", "total_weighted",
               "pareto_optimal")


def _views(root: Path, runs: list[str]) -> dict[str, data.RunView]:
    return {r: data.load_run_view(root / r) for r in runs}


def settings_table(views: dict[str, data.RunView]) -> pd.DataFrame:
    """Scenario, mediator, agents, seed, agreement, rounds, cost and every metric, one column per run."""
    rows: dict[str, dict] = {}
    for name, v in views.items():
        s, m = v.summary, v.summary.get("metrics", {})
        col = {"scenario": s.get("scenario"), "mediator": s.get("mediator"),
               "agents": data.agents_text(s.get("agents")), "seed": s.get("seed"),
               "agreement": "yes" if s.get("agreement") else "no", "rounds": s.get("rounds"),
               "cost": f"{s.get('cost', 0):,.0f} of {s.get('budget', 0):,.0f}", "note": data.run_note(s) or "none"}
        col.update({k: (f"{m[k]:.3f}" if isinstance(m.get(k), float) else str(m.get(k))) for k in ALL_METRICS})
        rows[name] = col
    return pd.DataFrame(rows)


def groups_table(views: dict[str, data.RunView]) -> pd.DataFrame:
    """Per-group utility of each run's package (groups of every run, in first-seen order)."""
    groups: list[str] = []
    for v in views.values():
        groups += [g for g in v.group_ids if g not in groups]
    return pd.DataFrame({name: [v.summary.get("per_group", {}).get(g) for g in groups] for name, v in views.items()},
                        index=groups)


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
    st.caption("Columns follow the order picked; this page's address reproduces the comparison.")
    st.subheader("Settings and metrics")
    st.table(settings_table(views))
    st.caption(" · ".join(METRIC_HELP[k] for k in ("total", "worst_group", "p20", "gini")))
    st.subheader("Utility per group")
    st.table(groups_table(views).style.format("{:.3f}", na_rep="-").highlight_max(axis=1, color="#d8f0d8"))
    st.subheader("Funded items (where the runs differ first)")
    st.table(package_table(views))
