"""Attribution and Repeated pages: computed for the open run from the dashboard, with a progress bar."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import charts
from dashboards.pages import current_run
from sim.analysis.labels import METRIC_NAMES, labels_for

ATTRIBUTIONS = (("items", ["total", "worst_group"]), ("stakeholders", ["worst_group"]), ("criteria", []))


def compute_attributions(folder: Path, step) -> list[str]:
    """Items, stakeholders and criteria attributions of a run folder, written as attribution_<by>.csv."""
    from sim.analysis.attribution import ShapleySettings, attribution_csv, load_run_data
    from sim.analysis.run_attribution import attribute_run
    from sim.core.records import atomic_write

    run = load_run_data(folder)
    written = []
    for i, (by, metrics) in enumerate(ATTRIBUTIONS):
        step(i / len(ATTRIBUTIONS), f"Shapley values by {by}...")
        attribution, _ = attribute_run(run, by, metrics, ShapleySettings())
        atomic_write(folder / f"attribution_{by}.csv", attribution_csv(attribution))
        written.append(by)
    step(1.0, "done")
    return written


def attribution_page(root: Path) -> None:
    """The open run's Shapley attributions: computed here on request, shown as a chart and a table each."""
    st.header("Attribution")
    view = current_run(root)
    if view is None:
        return
    st.caption("Who and what produced the outcome: Shapley values of the item changes from the best base design "
               "(on total and worst group), of each group's voice (on worst group), and of the criteria in each "
               "group's utility.")
    if st.button("Compute the attributions for this run", key="attr_go"):
        bar = st.progress(0.0, text="starting...")
        compute_attributions(view.folder, lambda f, t: bar.progress(f, text=t))
        st.rerun()
    tables = {k: v for k, v in view.extras.items() if k.startswith("attribution_")}
    if not tables:
        st.info("No attribution for this run yet: press the button above (the same as `negsim explain`).")
        return
    labels = labels_for(view.scenario)
    for name, frame in tables.items():
        named = frame.assign(player=frame["player"].map(labels.words),
                             metric=frame["metric"].map(lambda m: labels.metric(m) if m in METRIC_NAMES
                                                        else labels.words(m).replace("group:", "for ")))
        title = f"{name.replace('_', ' by ', 1).capitalize()}: the {min(12, named['player'].nunique())} largest"
        st.plotly_chart(charts.attribution_chart(named, title), width="stretch")
        with st.expander("Table"):
            st.dataframe(named.drop(columns=["by"], errors="ignore"), hide_index=True, width="stretch")


def worst_off(frame: pd.DataFrame) -> list[str]:
    """Per period: the worst-off group, 'tie (k groups)' when several share the minimum, '-' when nothing was funded."""
    cols = [c for c in frame.columns if c.startswith("u_")]
    out = []
    for _, row in frame.iterrows():
        values = row[cols].astype(float)
        low = values.min()
        at_low = [c[2:] for c in cols if abs(values[c] - low) < 1e-9]
        if not str(row.get("package", "") or "").strip() or (values.abs() < 1e-12).all():
            out.append("- (nothing funded)")
        elif len(at_low) > 1:
            out.append(f"tie ({len(at_low)} groups)")
        else:
            out.append(at_low[0])
    return out


def _cycles_form(view) -> None:
    from sim.core.records import atomic_write
    from sim.run.cycles import RepeatedConfig, run_repeated

    with st.form("cycles"):
        c1, c2, c3 = st.columns(3)
        periods = c1.number_input("Periods", min_value=1, max_value=50, value=5, key="cycles_periods")
        ledger = c2.checkbox("Ledger-aware mediator (compensates the worst off so far)", key="cycles_ledger")
        c3.caption("Funded items leave the menu; the budget stays the same each period.")
        go = st.form_submit_button("Run budget cycles for this scenario")
    if not go:
        return
    bar = st.progress(0.0, text="period 1...")
    config = RepeatedConfig(periods=int(periods), ledger=ledger, seed=view.summary.get("seed"))
    result = run_repeated(view.scenario, config,
                          progress=lambda t, n: bar.progress(t / n, text=f"period {t + 1} of {n}"))
    atomic_write(view.folder / "periods.csv", result.periods_frame().to_csv(index=False))
    atomic_write(view.folder / "repeated.json", json.dumps(result.summary(), indent=2) + "\n")
    bar.progress(1.0, text="done")
    st.rerun()


def repeated_page(root: Path) -> None:
    """The open run's scenario over budget cycles: run them here, then metrics per period on two axes."""
    st.header("Repeated budget cycles")
    view = current_run(root)
    if view is None:
        return
    _cycles_form(view)
    frame = view.extras.get("periods")
    if frame is None:
        st.info("No budget cycles in this run folder yet: run them with the form above "
                "(the same as `negsim repeated SCENARIO --periods N`, which writes periods.csv).")
        return
    frame = frame.assign(worst_off=worst_off(frame))
    st.plotly_chart(charts.periods_chart(frame), width="stretch")
    money = {c: st.column_config.NumberColumn(format="localized") for c in ("budget", "cost")}
    st.dataframe(frame.drop(columns=["worst_group_id"], errors="ignore"), hide_index=True, width="stretch",
                 column_config=money)
