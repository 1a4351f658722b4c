"""The planners' Proposal lab: tick items, see the proposal evaluated at once, run a negotiation from it."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.pages import cached_runs, context, current_run
from sim.analysis.decision import METRIC_HELP
from sim.analysis.labels import Labels, labels_for, scenario_name
from sim.core.scenario import load_scenario, scenario_to_yaml

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))


def _lab_scenario(root: Path):
    """The open run's scenario, or a shipped scenario picked here."""
    run = st.session_state.get("run")
    options = (["open run: " + run] if run and (root / run / "scenario.yaml").is_file() else [])
    options += [p.name for p in SHIPPED]
    if not options:
        st.info("No scenario: pick a run on the Runs page.")
        return None, None
    choice = st.selectbox("Scenario", options, key="lab_source",
                          format_func=lambda o: o if o.startswith("open run: ") else scenario_name(Path(o).stem))
    if choice.startswith("open run: "):
        view = current_run(root)
        return view.scenario, view.summary
    return load_scenario(ROOT / "scenarios" / choice), None


def _set_ticks(scenario, ids: list[str]) -> None:
    for item in scenario.items:
        st.session_state[f"lab_{item.id}"] = item.id in ids


def _starting_points(scenario, summary) -> None:
    starts = {"nothing": []}
    if summary:
        starts["negotiated package"] = summary.get("package", [])
    names = labels_for(scenario)
    starts.update({f"city design {names.design(n)}": ids for n, ids in scenario.base_designs.items()})
    entries = list(starts.items())
    for row in range(0, len(entries), 3):                  # three buttons a row: the names fit at 800 px
        cols = st.columns(3)
        for col, (label, ids) in zip(cols, entries[row:row + 3]):
            col.button(f"Load {label}", key=f"lab_load_{label}", on_click=_set_ticks, args=(scenario, ids))


def lab_page(root: Path) -> None:
    """The Proposal lab: tick items, see the proposal evaluated at once, and run a negotiation from it.

    The scenario is the open run's or a shipped one; the report shows the metrics, per-group
    utilities beside the negotiated package and base designs, broken red lines and dominance.
    """
    st.header("Proposal lab")
    st.caption("Tick items to build a proposal; everything below updates at once.")
    scenario, summary = _lab_scenario(root)
    if scenario is None:
        return
    ctx = context(scenario_to_yaml(scenario))
    _from_url(scenario)
    _starting_points(scenario, summary)
    ticked = _checkboxes(scenario)
    st.query_params["lab"] = ",".join(ticked)            # the proposal travels with the page address
    x = data.package_of(ctx, ticked)
    _budget_bar(ctx, x, scenario.currency)
    from sim.core.evaluate import evaluate_package
    from sim.report.evaluation import evaluation_dict

    report = evaluation_dict(evaluate_package(ctx, x), ctx)
    st.session_state["lab_report"] = report          # what the page shows, for tests
    _show_report(report, ctx, summary)
    _run_button(root, scenario, ticked, report)


def _from_url(scenario) -> None:
    """On a fresh session, tick the items named in the address (?page=Proposal+lab&lab=a,b,c)."""
    if "lab_url_read" in st.session_state:
        return
    st.session_state["lab_url_read"] = True
    named = [i for i in str(st.query_params.get("lab", "")).split(",") if i]
    if named:
        _set_ticks(scenario, named)


def _checkboxes(scenario) -> list[str]:
    cols = st.columns(2)
    ticked = []
    for i, item in enumerate(scenario.items):
        label = f"{item.cost:,.0f} · {item.label or item.id}"
        if cols[i % 2].checkbox(label, key=f"lab_{item.id}", help=f"id: {item.id}"):
            ticked.append(item.id)
    return ticked


def budget_bar_html(cost: float, budget: float, currency: str) -> str:
    """A budget bar: blue within the budget, red (with the overrun) beyond it."""
    over = cost > budget + 1e-9
    width = min(100.0, 100.0 * cost / budget) if budget else 100.0
    color = "#D55E00" if over else "#0072B2"
    text = (f"cost {currency} {cost:,.0f} of {currency} {budget:,.0f}"
            + (f": {currency} {cost - budget:,.0f} over budget" if over else ""))
    return (f'<div style="background:#eee;border-radius:4px;height:14px;width:100%">'
            f'<div data-testid="lab-budget-bar" style="background:{color};height:14px;border-radius:4px;'
            f'width:{width:.1f}%"></div></div><div style="color:{color};font-size:0.9em">{text}</div>')


def _budget_bar(ctx, x, currency: str) -> None:
    rub = ctx.rubric
    st.markdown(budget_bar_html(rub.cost(x), rub.budget, currency), unsafe_allow_html=True)
    names = labels_for(ctx.scenario)
    for reason in rub.why_infeasible(x):
        st.error(f"Infeasible: {names.words(reason)}")


def _show_report(report: dict, ctx, summary: dict | None) -> None:
    m, names = report["metrics"], labels_for(ctx.scenario)
    cols = [c for _ in range(2) for c in st.columns(2)]        # 2 x 2: the metric names fit at 800 px
    for col, key in zip(cols, data.METRICS):
        value = m.get(key)
        col.metric(Labels.metric(key), "n/a" if value is None else f"{value:.3f}", help=METRIC_HELP[key])
    designs = {"Your proposal": report["per_group"]}
    if summary:
        designs[f"Negotiated package (run {st.session_state.get('run')})"] = summary.get("per_group", {})
    designs.update({names.design(n): d["per_group"] for n, d in report["designs"].items() if d["kind"] == "base"})
    st.caption("Utility per group (points)")
    st.dataframe(pd.DataFrame(designs).rename(index=names.group), width="stretch")
    for gid, broken in report["red_lines_broken"].items():
        st.warning(f"Red line broken for {names.group(gid)}: {'; '.join(names.words(b) for b in broken)}")
    if report["dominated_by"]:
        better = report["dominated_by"]
        gains = {g: better["per_group"][g] - report["per_group"][g] for g in report["per_group"]}
        st.warning("Pareto-dominated by: " + ", ".join(names.item(i) for i in better["package"])
                   + ". Each group gains: " + ", ".join(f"{names.group(g)} +{v:.2f}" for g, v in gains.items()
                                                        if v > 1e-9)
                   + (", the others the same" if any(v <= 1e-9 for v in gains.values()) else "") + ".")
    elif m.get("pareto_optimal"):
        st.success("Pareto optimal: no feasible package is at least as good for every group.")
    change = report.get("best_single_change")
    if change:
        st.info(f"Cheapest single change raising the worst group: {change['op']} {names.item(change['item'])} "
                f"(cost change {names.money(change['cost_change'])}, worst group +{change['worst_group_gain']:.3f} "
                "points)")


def _run_button(root: Path, scenario, ticked: list[str], report: dict) -> None:
    information = st.radio("What the mediator knows", ["private", "full"], key="lab_information", horizontal=True,
                           help="private: only what the groups say; full: every group's true values (the benchmark)")
    confirmed = True
    if ticked and not report["feasible"]:
        confirmed = st.checkbox("This proposal is infeasible: run anyway (the engine repairs the opening draft "
                                "to fit the budget and the links, and records each change)", key="lab_confirm")
    if not st.button("Run a negotiation from this proposal", key="lab_run", disabled=not ticked or not confirmed):
        return
    from sim.core.records import write_run
    from sim.run.runner import RunConfig, run_negotiation

    bar = st.progress(0.0, text="negotiating...")
    config = RunConfig(mediator_options={"opening": tuple(ticked)}, information=information)

    def step(round_: int, max_rounds: int) -> None:
        bar.progress(min(1.0, round_ / max(1, max_rounds)), text=f"round {round_} of at most {max_rounds}")
    result = run_negotiation(context(scenario_to_yaml(scenario)), config, progress=step)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
    folder = root / f"lab-{scenario.name}-{stamp}"
    summary = write_run(result, folder, extra={"opening": list(ticked)})
    bar.progress(1.0, text="done")
    st.session_state["run"] = str(folder.relative_to(root))
    cached_runs.clear()                                   # the Runs page lists the new run at once
    st.success(f"{'Agreement' if summary['agreement'] else 'No agreement'} after {summary['rounds']} "
               f"rounds. Saved as `{folder}` (now the open run).")
    _against_proposal(summary, report, scenario)


def _against_proposal(summary: dict, report: dict, scenario) -> None:
    """The negotiated result beside the proposal it opened from: items and per-group utilities."""
    names = labels_for(scenario)
    added = [names.item(i) for i in summary["package"] if i not in report["package"]]
    dropped = [names.item(i) for i in report["package"] if i not in summary["package"]]
    st.markdown("**The negotiation against your proposal**: "
                + ("; ".join(filter(None, ["added " + ", ".join(added) if added else "",
                                          "dropped " + ", ".join(dropped) if dropped else ""])) or "no change"))
    frame = pd.DataFrame({"proposal": report["per_group"], "negotiated": summary["per_group"]})
    frame["change"] = frame["negotiated"] - frame["proposal"]
    frame = frame.rename(index=names.group)
    metrics = pd.DataFrame({"proposal": {names.metric(k): report["metrics"].get(k) for k in data.METRICS},
                            "negotiated": {names.metric(k): summary["metrics"].get(k) for k in data.METRICS}})
    c1, c2 = st.columns(2)
    c1.dataframe(frame.round(3), width="stretch")
    c2.dataframe(metrics.round(3), width="stretch")
