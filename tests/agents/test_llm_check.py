"""`negsim llm-check`: the decision-state set and its scores, with fake models whose answers are known."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

pytest.importorskip("langchain_core")
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from agents.llm import check  # noqa: E402
from agents.llm.factory import make_client  # noqa: E402
from agents.llm.stakeholder import LLMStakeholder  # noqa: E402
from sim.cli.commands import app  # noqa: E402
from sim.core.protocol import PublicState  # noqa: E402

STATES = check.check_states()
CONTEXTS = check._contexts()


def rule_reply(state: check.CheckState) -> str:
    """The JSON answer the truthful rule agent would give to the state's prompt (its move, as the model writes it)."""
    ctx = CONTEXTS[state.scenario]
    agent = LLMStakeholder(state.group, make_client("fake", model=FakeListChatModel(responses=["{}"])))
    agent.reset(ctx, np.random.default_rng(check.STATE_SEED))
    x = ctx.rubric.package(state.draft)
    move = agent.rule.act(PublicState(round=state.round, draft=x,
                                      candidates=[ctx.rubric.package(c) for c in state.candidates]))
    asks = [str(c.amendment) for c in agent.candidates(x)]
    choice = asks.index(str(move.amendments[0])) + 1 if move.kind == "object" and move.amendments else None
    return json.dumps({"decision": move.kind, "choice": choice,
                       "ranking": [i + 1 for i in move.ranking] or None, "reason": "by our values"})


def run(responses: list[str]) -> check.CheckReport:
    return check.run_check(make_client("fake", model=FakeListChatModel(responses=responses)))


def test_the_state_set_is_fixed_and_balanced():
    assert check.VERSION == "llm-check/1" and [s.id for s in STATES] == [s.id for s in check.check_states()]
    assert 12 <= len(STATES) <= 16 and len({s.id for s in STATES}) == len(STATES)
    kinds = {k: [s for s in STATES if s.kind == k] for k in ("accept-worthy", "object-worthy", "red-line trap")}
    assert all(len(v) >= 3 for v in kinds.values())
    assert all(s.reference == "accept" and s.margin >= 0 for s in kinds["accept-worthy"])
    assert all(s.reference == "object" and s.margin < 0 for s in kinds["object-worthy"])
    assert all(s.reference == "object" and s.margin >= 0 for s in kinds["red-line trap"])   # it pays, yet breaks
    for s in kinds["red-line trap"]:
        ctx = CONTEXTS[s.scenario]
        assert ctx.red_lines_broken(ctx.rubric.group_index[s.group], ctx.rubric.package(s.draft))
    assert {len(s.candidates) for s in STATES} == {0, 3}                          # some states rank drafts


def test_the_wide_accept_state_is_the_groups_best_package_by_brute_force():
    state = STATES[0]
    ctx = CONTEXTS[state.scenario]
    rub, g = ctx.rubric, ctx.rubric.group_index[state.group]
    feasible = [np.array(b) for b in itertools.product([0, 1], repeat=rub.n_items) if rub.feasible(np.array(b))]
    best = max(float(rub.values[g] @ x) for x in feasible)
    assert state.round == ctx.max_rounds and float(rub.values[g] @ rub.package(state.draft)) == pytest.approx(best)


def test_a_model_answering_the_rule_agents_move_scores_one():
    report = run([rule_reply(s) for s in STATES])
    assert report.fallbacks == 0 and report.states == len(STATES)
    assert (report.accept_worthy_agreement, report.object_worthy_agreement, report.balanced) == (1.0, 1.0, 1.0)
    assert report.amendment_rank == 1.0 and report.ranking_tau == 1.0 and report.red_line_respect == 1.0
    assert report.verdict == "bargains by its values"


def test_always_accept_scores_one_half_and_rubber_stamps():
    report = run(['{"decision": "accept", "reason": "fine"}'])
    assert (report.accept_worthy_agreement, report.object_worthy_agreement, report.balanced) == (1.0, 0.0, 0.5)
    assert report.red_line_respect == 0.0 and report.verdict == "rubber-stamps"


def test_always_object_scores_one_half_and_always_objects():
    report = run(['{"decision": "object", "reason": "no"}'])
    assert (report.accept_worthy_agreement, report.object_worthy_agreement, report.balanced) == (0.0, 1.0, 0.5)
    assert report.verdict == "always objects"


def test_the_opposite_of_the_rule_agent_scores_zero_and_is_unreliable():
    flip = {"accept": "object", "object": "accept"}
    report = run([json.dumps({"decision": flip[s.reference]}) for s in STATES])
    assert report.balanced == 0.0 and report.verdict == "unreliable"


def test_a_model_that_accepts_whenever_it_answers_rubber_stamps_despite_a_few_failures():
    bad = "no JSON here"                       # a failed answer: a repair prompt, then the rule move
    responses = [bad, bad] + ['{"decision": "accept"}'] * (len(STATES) - 1)
    report = run(responses)
    assert report.fallbacks == 1 and report.answers[0].fallback and not report.answers[0].agrees
    assert report.answers[0].cause.startswith("the reply contained no JSON object")
    assert report.verdict == "rubber-stamps"


class Failing(GenericFakeChatModel):
    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        raise ConnectionError("connection refused")


def test_fallbacks_count_as_wrong_answers_and_make_the_model_unreliable():
    report = check.run_check(make_client("fake", model=Failing(messages=iter([]))))
    assert report.fallbacks == len(STATES) and all(a.fallback and not a.agrees for a in report.answers)
    assert all(a.cause == "model error: ConnectionError: connection refused" for a in report.answers)
    assert report.balanced == 0.0 and report.verdict == "unreliable"


def test_the_cli_prints_the_report_and_json(monkeypatch):
    from agents.llm import models

    monkeypatch.setattr(models, "make_chat_model", lambda spec, settings=None, seed=0: FakeListChatModel(
        responses=['{"decision": "accept"}']))
    res = CliRunner().invoke(app, ["llm-check", "--llm", "openai:any", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["verdict"] == "rubber-stamps" and data["balanced"] == 0.5 and data["version"] == check.VERSION
    text = CliRunner().invoke(app, ["llm-check", "--llm", "openai:any"]).output
    assert "balanced 0.50" in text and "verdict: rubber-stamps" in text


def test_a_missing_model_file_is_one_line_and_exit_2():
    res = CliRunner().invoke(app, ["llm-check", "--llm", "gguf:/no/such.gguf"])
    assert res.exit_code == 2 and res.output.strip().count("\n") == 0 and "fix:" in res.output


@pytest.mark.llm_local
@pytest.mark.slow
def test_the_embedded_model_rubber_stamps():
    """CI runs the check's tiny_example states on SmolLM2-135M: it accepts every draft, the trap included.

    Four of the fourteen states (two accept-worthy, one object-worthy, one red-line trap), the shortest
    prompts: the whole set costs about 240 CPU-s here, and `negsim llm-check --llm local` runs it.
    """
    tiny = [s for s in STATES if s.scenario == "tiny_example"]
    assert {s.kind for s in tiny} == {"accept-worthy", "object-worthy", "red-line trap"}
    report = check.run_check(make_client("local"), states=tiny)
    print(check.render(report))
    assert report.fallbacks == 0
    assert report.verdict == "rubber-stamps" and report.balanced == 0.5
