"""Play a stakeholder: a person takes one group's seat in a live negotiation against rule-based agents.

The seat is the engine's `human` stakeholder kind. The page keeps only the settings and the
answers given so far; each rerun replays the negotiation with the same seed and those answers
until the seat needs a new one (`AwaitingHuman`), so the live game and the saved run are the
same pure function of seed and answers. The engine checks every answer as any agent's move.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards.pages import cached_runs, context
from sim.core.scenario import load_scenario, loads_scenario, scenario_to_yaml

ROOT = Path(__file__).resolve().parents[1]
OPPONENTS = ["heuristic", "heuristic:linear", "heuristic:conceder"]


def _setup(root: Path) -> None:
    shipped = sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml"))
    name = st.selectbox("Scenario", shipped, index=shipped.index("montreal_streets.yaml")
                        if "montreal_streets.yaml" in shipped else 0, key="play_scenario")
    scenario = load_scenario(ROOT / "scenarios" / name)
    with st.form("play_setup"):
        st.selectbox("Your seat", [g.id for g in scenario.groups], key="play_group")
        st.selectbox("The other groups are played by", OPPONENTS, key="play_opponents")
        st.number_input("Seed", min_value=0, value=int(scenario.protocol.seed), step=1, key="play_seed")
        start = st.form_submit_button("Take the seat")
    if start:
        scenario = load_scenario(ROOT / "scenarios" / st.session_state["play_scenario"])
        st.session_state["play"] = {"yaml": scenario_to_yaml(scenario), "group": st.session_state["play_group"],
                                    "agents": st.session_state["play_opponents"],
                                    "seed": int(st.session_state["play_seed"]), "answers": [], "folder": None}
        st.rerun()


def _advance(game: dict):
    """Replay with the answers so far: the finished RunResult, or the AwaitingHuman question."""
    from agents.human import AwaitingHuman
    from sim.run.runner import RunConfig, run_negotiation

    config = RunConfig(seed=game["seed"], agents=game["agents"], lineup={game["group"]: "human"})

    def feed(agents: dict) -> dict:
        agents[game["group"]].extend(game["answers"])
        return agents
    try:
        return run_negotiation(context(game["yaml"]), config, prepare=feed)
    except AwaitingHuman as question:
        return question


def _numbers(ctx, gid: str, draft: list[str]) -> None:
    rub = ctx.rubric
    g = rub.group_index[gid]
    x = rub.package(draft)
    lines = ctx.scenario.groups[g].red_lines
    cols = st.columns(4)
    cols[0].metric("your utility of this draft", f"{float(rub.values[g] @ x):.2f}")
    cols[1].metric("your best feasible package", f"{float(ctx.ideals[g]):.2f}")
    cols[2].metric("if there is no agreement", f"{float(ctx.disagreement_utilities[g]):.2f}")
    cols[3].metric("draft cost", f"{rub.cost(x):,.0f}", help=f"budget {rub.budget:,.0f}")
    broken = ctx.red_lines_broken(g, x)
    if broken:
        st.error("This draft breaks your red lines: " + "; ".join(broken) + " (an accept becomes an objection).")
    elif lines.must_have or lines.never:
        st.caption("Your red lines hold in this draft.")
    labels = {i.id: i.label or i.id for i in ctx.scenario.items}
    st.dataframe(pd.DataFrame({"item": [labels[i] for i in rub.item_ids],
                               "in the draft": ["✓" if x[k] else "" for k in range(rub.n_items)],
                               "worth to you": [round(float(v), 3) for v in rub.values[g]],
                               "cost": [f"{c:,.0f}" for c in rub.costs]}).sort_values("in the draft", ascending=False),
                 hide_index=True, width="stretch", height=300)


def _others(question) -> None:
    last = [r for r in question.transcript if r.get("round") == question.round - 1
            and r.get("kind") in ("accept", "object") and r.get("agent") != question.group_id]
    if last:
        st.caption("Last round: " + "; ".join(f"{r['agent']} {r['kind']}s" for r in last))
    draft = [r for r in question.transcript if r.get("kind") == "draft"][-1:]
    if draft:
        st.info(f"Mediator: {draft[0].get('reason', '')}")


def _answer_form(ctx, question, game: dict) -> None:
    labels = {i.id: i.label or i.id for i in ctx.scenario.items}
    inside = set(question.draft)
    with st.form(f"play_answer_{len(game['answers'])}"):
        kind = st.radio("Your answer", ["accept", "object"], horizontal=True, key="play_kind")
        options = [f"add:{i}" for i in labels if i not in inside] + [f"drop:{i}" for i in labels if i in inside]
        amendments = st.multiselect("Amendments if you object (at most 3)", options, max_selections=3,
                                    format_func=lambda a: f"{a.split(':')[0]} {labels[a.split(':', 1)[1]]}",
                                    key="play_amendments")
        reason = st.text_input("Your reason (public)", key="play_reason")
        sent = st.form_submit_button("Send")
    if sent:
        game["answers"].append({"kind": kind, "amendments": amendments if kind == "object" else [],
                                "reason": reason or ("accepts" if kind == "accept" else "objects")})
        st.rerun()


def _finish(root: Path, game: dict, result) -> None:
    from sim.core.records import write_run

    if game["folder"] is None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
        folder = root / f"play-{result.ctx.scenario.name}-{game['group']}-{stamp}"
        write_run(result, folder, extra={"human": {"group": game["group"], "answers": len(game["answers"])}})
        game["folder"] = str(folder.relative_to(root))
        st.session_state["run"] = game["folder"]
        cached_runs.clear()
    outcome = result.designs["negotiated"]
    st.success(f"{'Agreement' if result.outcome.agreement else 'No agreement'} after {result.outcome.rounds} rounds; "
               f"your group's utility {outcome.per_group(result.ctx.rubric.group_ids)[game['group']]:.2f}. "
               f"Saved as `{game['folder']}` (now the open run: see Outcomes and Negotiation).")


def play_page(root: Path) -> None:
    """Take a group's seat: see the draft and your numbers each round, accept or object, and save the run."""
    st.header("Play a stakeholder")
    game = st.session_state.get("play")
    if game is None:
        st.caption("Take one group's seat in a live negotiation; the other groups and the mediator are agents.")
        _setup(root)
        return
    ctx = context(game["yaml"])
    scenario = loads_scenario(game["yaml"], "scenario.yaml")
    st.caption(f"{scenario.name}: you speak for **{game['group']}**; the others are {game['agents']}; "
               f"seed {game['seed']}; {len(game['answers'])} answers so far.")
    state = _advance(game)
    if st.button("Leave the seat (start again)", key="play_reset"):
        del st.session_state["play"]
        st.rerun()
    if hasattr(state, "outcome"):
        _finish(root, game, state)
        return
    st.subheader(f"Round {state.round}: the draft on the table")
    _others(state)
    _numbers(ctx, game["group"], state.draft)
    _answer_form(ctx, state, game)
