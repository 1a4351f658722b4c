"""The Negotiation page: the open run round by round in words, and a counterfactual rerun from any turn."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import charts, data
from dashboards.pages import cached_runs, current_run
from sim.analysis.transcript import ReadableRow, readable_transcript
from sim.core.rubric import build_rubric

SPEAKER_ICONS = {"mediator": ":material/gavel:", "engine": ":material/settings:",
                 "stakeholder": ":material/record_voice_over:"}


def llm_usage(summary: dict) -> None:
    """Model, calls, tokens, seconds and fallbacks of an LLM run (nothing for rule-based runs)."""
    llm = summary.get("llm")
    if not isinstance(llm, dict) or not llm:
        return
    tokens = int(llm.get("prompt_tokens", 0) or 0) + int(llm.get("completion_tokens", 0) or 0)
    cols = st.columns(5)
    cols[0].metric("model", str(llm.get("model", "?")))
    cols[1].metric("LLM calls", f"{llm.get('calls', 0)}")
    cols[2].metric("tokens", f"{tokens:,}", help=f"prompt {llm.get('prompt_tokens', 0):,}, "
                                                 f"completion {llm.get('completion_tokens', 0):,}")
    cols[3].metric("seconds in the model", f"{float(llm.get('seconds', 0) or 0):.1f}")
    cols[4].metric("fallbacks", f"{summary.get('fallbacks', llm.get('fallbacks', 0))}",
                   help="moves where the model's answer was unusable and the rule-based move was played")


def say(row: ReadableRow, raw: dict, currency: str) -> None:
    """One transcript row as a chat message: who, what, why (criteria), asks in words, flags."""
    with st.chat_message("assistant", avatar=SPEAKER_ICONS.get(row.role, ":material/info:")):
        head = f"**{row.speaker or row.agent}** · {row.kind}"
        if raw.get("utility") is not None:
            head += f" · utility {raw['utility']:.2f}"
        if raw.get("reservation") is not None:
            head += f" (reservation {raw['reservation']:.2f})"
        st.markdown(head)
        for flag in row.flags:
            st.warning(flag, icon=":material/flag:")
        if row.text:
            st.write(row.text)
        if row.drivers:
            st.caption("falls short most on " + ", ".join(f"{c} (-{loss:.2f})" for c, loss in row.drivers)
                       + " against its own position")
        if row.asks:
            st.caption("asks: " + row.asks)
        if row.package is not None and row.kind in ("draft", "outcome", "repair", "position"):
            cost = f" ({raw['cost']:,.0f} {currency})" if raw.get("cost") is not None else ""
            st.caption("package" + cost + ": " + (", ".join(row.package) or "nothing"))


def negotiation_page(root: Path) -> None:
    """The Negotiation page: utility and reservation per round, the chosen round in words, a rerun form."""
    st.header("Negotiation")
    view = current_run(root)
    if view is None:
        return
    s = view.summary
    rows = readable_transcript(view.transcript, view.scenario, build_rubric(view.scenario))
    flagged = sum(any(f.startswith("contradicts") for f in r.flags) for r in rows)
    st.caption(f"Seed {s['seed']}, "
               f"{'agreement' if s['agreement'] else 'no agreement'} after {s['rounds']} rounds; "
               f"{len(view.transcript)} transcript entries, {s.get('fallbacks', 0)} LLM fallbacks, "
               f"{flagged} moves against the group's own numbers")
    llm_usage(s)
    llm_consistency(s)
    last = max((r.round for r in rows), default=0)
    chosen = st.slider("Round", 0, max(last, 1), min(1, last), key="round")
    labels = data.view_labels(view)
    fig = charts.rounds_chart(data.round_series(view).assign(group=lambda f: f["group"].map(labels.group)))
    fig.add_vline(x=chosen, line_color="black", line_width=1)
    st.plotly_chart(fig, width="stretch")
    st.subheader(f"Round {chosen}")
    for row in rows:
        if row.round == chosen:
            say(row, view.transcript[row.index], s.get("currency", ""))
    costs = data.draft_costs(view)
    if not costs.empty:
        st.plotly_chart(charts.cost_chart(costs, s["budget"], labels.currency), width="stretch")
    with st.expander("Full transcript (in words)"):
        st.dataframe(pd.DataFrame([{"row": r.index, "round": r.round, "speaker": r.speaker or r.agent, "kind": r.kind,
                                    "says": r.text, "asks": r.asks, "flags": "; ".join(r.flags)} for r in rows]),
                     hide_index=True, width="stretch")
    st.download_button("Download transcript.jsonl", "\n".join(json.dumps(e) for e in view.transcript),
                       file_name="transcript.jsonl")
    rerun_form(root, view)


# ------------------------------------------------------------------------------ counterfactual rerun
def _row_label(view: data.RunView, i: int) -> str:
    r = view.transcript[i]
    who = data.view_labels(view).of(str(r.get("agent")))
    return f"row {i}: round {r.get('round')}, {'Mediator' if who == 'mediator' else who} {r.get('kind')}"


def _edit_widgets(view: data.RunView, i: int) -> dict:
    """Widgets that edit transcript row i; returns the new move in the transcript's row format."""
    from sim.run.rerun import draft_before

    row, scenario = view.transcript[i], view.scenario
    labels = {it.id: it.label or it.id for it in scenario.items}
    if row.get("kind") == "draft":
        package = st.multiselect("Draft items", list(labels), default=row.get("package") or [],
                                 format_func=labels.get, key="rerun_package")
        return {"kind": "draft", "package": package, "reason": "edited draft"}
    kind = st.radio("Move", ["accept", "object"], index=0 if row.get("kind") == "accept" else 1,
                    horizontal=True, key="rerun_kind")
    move = {"kind": kind, "reason": st.text_input("Reason", key="rerun_reason") or f"{kind} (edited)"}
    if kind == "object":
        draft = set(draft_before(view.transcript, i))
        options = [f"add:{k}" for k in labels if k not in draft] + [f"drop:{k}" for k in labels if k in draft]
        move["amendments"] = st.multiselect(
            "Amendments (at most 3)", options, max_selections=3, key="rerun_amendments",
            format_func=lambda a: f"{a.split(':')[0]} {labels[a.split(':', 1)[1]]}")
    return move


def rerun_form(root: Path, view: data.RunView) -> None:
    """Pick a transcript row, edit the move, rerun with the same seeds; the Compare page opens on both."""
    from sim.run.rerun import edit_options, load_parent

    st.subheader("What if? Rerun from any turn")
    parent = load_parent(view.folder)
    options = edit_options(parent)
    if not options:
        st.info("This run has no agent move to edit.")
        return
    i = st.selectbox("Transcript row to edit", options, format_func=lambda i: _row_label(view, i), key="rerun_row")
    move = _edit_widgets(view, i)
    st.caption("The run is replayed with the same seeds up to this row; the edited move replaces it and "
               "every agent answers on from there. `negsim rerun RUN_DIR --at ROW --move JSON` does the same.")
    st.button("Rerun from this turn", key="rerun_go", on_click=_do_rerun, args=(root, view.folder, i, move))
    if st.session_state.get("rerun_error"):
        st.error(st.session_state["rerun_error"])


def _do_rerun(root: Path, folder: Path, at: int, move: dict) -> None:
    """Button callback: write the counterfactual run, then open the Compare page on parent and child."""
    from sim.core.records import write_run
    from sim.run.rerun import RerunError, load_parent, rerun_from

    st.session_state["rerun_error"] = None
    try:
        result, extra = rerun_from(load_parent(folder), at, move)
    except RerunError as err:
        st.session_state["rerun_error"] = str(err)
        return
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
    out = folder.parent / f"{folder.name}-rerun{at}-{stamp}"
    write_run(result, out, extra=extra)
    cached_runs.clear()
    parent, child = str(folder.relative_to(root)), str(out.relative_to(root))
    st.session_state["compare_runs"] = [parent, child]
    st.session_state["page"] = "Compare"


def llm_consistency(summary: dict) -> None:
    """How consistent the LLM stakeholders were with their own values (LLM runs only)."""
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
