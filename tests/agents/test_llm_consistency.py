"""Value consistency and recorded events of LLM agents, with scripted fake chat models (no network)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("langchain_core")
from langchain_core.language_models.fake_chat_models import FakeListChatModel  # noqa: E402

from agents.heuristic import HeuristicStakeholder  # noqa: E402
from agents.llm.consistency import aggregate, ranking_tau  # noqa: E402
from agents.llm.factory import make_client  # noqa: E402
from agents.llm.stakeholder import LLMStakeholder  # noqa: E402
from agents.mediators import RuleMediator  # noqa: E402
from sim.core.context import make_context  # noqa: E402
from sim.core.protocol import MEDIATOR, NegotiationEnv  # noqa: E402
from sim.core.records import build_summary  # noqa: E402
from sim.run.runner import RunConfig, play, run_negotiation  # noqa: E402
from tests.agents.test_llm_agents import POSITION, ScriptedList  # noqa: E402

SEEDS = range(6)


class Echo(FakeListChatModel):
    """Answers each prompt with `answer` (set by the test just before the agent acts)."""

    answer: str = ""

    def _call(self, messages, stop=None, run_manager=None, **kwargs):
        return POSITION if "Round 0: opening" in str(messages[-1].content) else self.answer


def truthful_answer(agent: LLMStakeholder, state) -> str:
    """The truthful rule agent's move in this state, as the JSON an LLM would answer."""
    ref = copy.copy(agent.rule)
    ref.rng = copy.deepcopy(agent.rule.rng)
    move = ref.act(state)
    return json.dumps({"decision": move.kind, "reason": "as the rule agent",
                       "amendment": str(move.amendments[0]) if move.amendments else None,
                       "reservation": move.reservation,
                       "ranking": [i + 1 for i in move.ranking] or None})


def drive(tiny, model, seed, *, elicitation="none", echo=False, boulware="fun"):
    """One negotiation on tiny with LLM groups (one group a boulware rule agent, so it lasts)."""
    ctx = make_context(tiny, max_rounds=5, elicitation=elicitation)
    client = make_client("fake", seed=seed, model=model, concurrent=False)   # the echo answers one agent at a time
    agents = {MEDIATOR: RuleMediator("negotiated")}
    for gid in ctx.rubric.group_ids:
        agents[gid] = HeuristicStakeholder(gid, "boulware") if gid == boulware else LLMStakeholder(gid, client)
    if echo:
        for gid, agent in list(agents.items()):
            if isinstance(agent, LLMStakeholder):
                agents[gid] = EchoDriver(agent, model)
    env = NegotiationEnv(ctx)
    play(env, agents, seed)
    return env, agents, client


class EchoDriver:
    """Sets the echo model's answer to the rule agent's move, then lets the LLM stakeholder act."""

    def __init__(self, agent: LLMStakeholder, model: Echo) -> None:
        self.agent, self.model, self.group_id = agent, model, agent.group_id

    def reset(self, ctx, rng):
        self.agent.reset(ctx, rng)

    def act(self, state):
        if state.round:
            self.model.answer = truthful_answer(self.agent, state)
        return self.agent.act(state)


@pytest.mark.parametrize("seed", SEEDS)
def test_always_accept_scores_the_share_of_drafts_the_rule_agent_accepts(tiny, seed):
    model = ScriptedList(responses=['{"decision": "accept", "reason": "yes"}'])
    env, agents, client = drive(tiny, model, seed)
    expected = []
    for row in env.state_.transcript:
        agent = agents.get(row["agent"])
        if row["round"] >= 1 and isinstance(agent, LLMStakeholder):
            g = agent.g
            draft = env.ctx.rubric.package(next(r["package"] for r in env.state_.transcript
                                                if r["kind"] == "draft" and r["round"] == row["round"]))
            meets = float(agent.rule.values @ draft) >= agent.rule.reservation(row["round"]) - 1e-9
            expected.append(float(meets and not env.ctx.red_lines_broken(g, draft)))
    got = aggregate(client.records)["overall"]
    print(f"seed {seed}: accept agreement {got['accept_agreement']} over {got['decisions']} decisions, "
          f"expected {np.mean(expected)}")
    assert got["decisions"] == len(expected) > 0
    assert got["accept_agreement"] == pytest.approx(np.mean(expected), abs=1e-6)
    assert got["amendment_rank"] is None and got["ranking_tau"] is None


def test_always_accept_disagrees_somewhere_over_seeds(tiny):
    scores = []
    for seed in SEEDS:
        _, _, client = drive(tiny, ScriptedList(responses=['{"decision": "accept", "reason": "yes"}']), seed)
        scores.append(aggregate(client.records)["overall"]["accept_agreement"])
    print("accept agreement of an always-accept model per seed:", scores)
    assert min(scores) < 1.0          # the measure can fail: a rubber stamp is visible


@pytest.mark.parametrize("seed", SEEDS)
def test_answering_the_truthful_rule_move_scores_one(tiny, seed):
    model = Echo(responses=["unused"])
    env, agents, client = drive(tiny, model, seed, elicitation="rank:3", echo=True)
    got = aggregate(client.records)
    overall = got["overall"]
    print(f"seed {seed}: {overall}")
    assert client.usage.fallbacks == 0 and overall["decisions"] > 0
    assert overall["accept_agreement"] == 1.0
    assert overall["n_amendment_rank"] > 0 and overall["amendment_rank"] == 1.0
    assert overall["n_ranking_tau"] > 0 and overall["ranking_tau"] == 1.0
    assert set(got["per_group"]) == {"wheel", "green"}


def test_consistency_in_summary_and_cli_line(tiny, tmp_path):
    client = make_client("fake", seed=1, model=ScriptedList(responses=['{"decision": "accept", "reason": "y"}']))
    cfg = RunConfig(seed=1, max_rounds=3, agents="llm", agent_options={"llm": client})
    summary = build_summary(run_negotiation(tiny, cfg))
    cons = summary["llm"]["consistency"]
    assert set(cons["per_group"]) == {"wheel", "green", "fun"}
    assert 0.0 <= cons["overall"]["accept_agreement"] <= 1.0
    from rich.console import Console

    from sim.cli.render import print_llm_line

    console = Console(record=True, width=200)
    print_llm_line(summary, console)
    text = console.export_text()
    assert "value consistency" in text and f"accept agreement {cons['overall']['accept_agreement']:.2f}" in text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=2, max_size=6).map(lambda u: np.array(u, dtype=float)),
       st.randoms(use_true_random=False))
def test_ranking_tau_is_one_for_true_order_and_minus_one_for_reversed(u, rnd):
    order = sorted(range(len(u)), key=lambda i: (-u[i], rnd.random()))
    tau = ranking_tau(tuple(order), u)
    if len(set(u.tolist())) < 2:
        assert tau is None
        return
    assert tau == pytest.approx(1.0)
    assert ranking_tau(tuple(reversed(order)), u) == pytest.approx(-1.0)


def test_ranking_tau_known_answer():
    # one discordant pair out of three: (C - D) / 3 = 1/3 (scipy tau-b, no ties)
    assert ranking_tau((0, 2, 1), np.array([3.0, 2.0, 1.0])) == pytest.approx(1 / 3)


# -- recorded events ------------------------------------------------------------------------
def test_accept_with_a_choice_and_mediator_choice_with_items_are_recorded(tiny):
    accept_and_ask = '{"decision": "accept", "choice": 1, "reason": "fine"}'
    both = '{"choice": 1, "items": ["ramp"], "reason": "candidate one"}'

    class Model(FakeListChatModel):
        def _call(self, messages, stop=None, run_manager=None, **kwargs):
            text = str(messages[-1].content)
            return POSITION if "Round 0: opening" in text else both if "You are the mediator" in text \
                else accept_and_ask
    client = make_client("fake", seed=0, model=Model(responses=["x"]))
    cfg = RunConfig(seed=0, mediator="llm", max_rounds=2, agents="llm", agent_options={"llm": client},
                    mediator_options={"llm": client})
    result = run_negotiation(tiny, cfg)
    rows = [r for r in result.transcript if r["round"] >= 1 and r["role"] in ("stakeholder", "mediator")]
    kinds = [e["event"] for r in rows for e in r.get("meta", {}).get("events", [])]
    events = build_summary(result)["llm"]["events"]
    accepts = [r for r in rows if r["role"] == "stakeholder" and "events" in r.get("meta", {})]
    assert accepts and all("kept the accept and dropped it" in r["meta"]["events"][0]["cause"] for r in accepts)
    assert events["accept_with_amendment"] == kinds.count("accept_with_amendment") == len(accepts)
    assert events["choice_and_items"] == kinds.count("choice_and_items") == result.outcome.rounds
    assert all(r["amendments"] == [] for r in accepts)
