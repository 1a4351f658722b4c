"""Every shipped agent passes the testing kit's conformance checks (sim.testing)."""

from __future__ import annotations

import hashlib

import pytest

import agents.heuristic
import agents.mediators
from sim.core.context import make_context
from sim.core.moves import Move
from sim.run import registry
from sim.run.registry import make_mediator, make_stakeholder
from sim.testing import ConformanceError, check_mediator, check_stakeholder
from sim.testing.scenarios import random_scenario
from tests.conftest import TINY


@pytest.fixture(scope="module")
def ctx():
    from sim.core.scenario import load_scenario

    return make_context(load_scenario(TINY))


@pytest.mark.parametrize("spec", ["heuristic", "heuristic:linear", "heuristic:conceder", "memory"])
def test_rule_stakeholders_conform(ctx, spec):
    report = check_stakeholder(lambda gid: make_stakeholder(spec, gid), ctx)
    assert report.moves > 0 and "pickling" in report.checks


@pytest.mark.parametrize("spec", [*registry.STRATEGIES, "ledger:maximin"])
def test_rule_mediators_conform(ctx, spec):
    report = check_mediator(lambda: make_mediator(spec), ctx)
    assert report.moves > 0 and report.checks == ["interface", "legal moves", "determinism", "reset", "pickling"]


def test_rule_agents_conform_on_a_random_scenario_with_links_and_red_lines():
    ctx = make_context(random_scenario(7, 9, 3, red_lines=True))
    check_stakeholder(lambda gid: make_stakeholder("heuristic", gid), ctx)
    check_mediator(lambda: make_mediator("negotiated"), ctx)


def test_registry_names_match_the_agent_modules():
    assert set(registry.STRATEGIES) == set(agents.mediators.STRATEGIES)
    assert set(registry.CURVES) == set(agents.heuristic.CURVES)
    assert {"heuristic", "memory", "llm"} <= set(registry.stakeholder_names())


class _Cheater:
    """Accepts in round 0 and asks to add an item already in the draft: two broken rules."""

    def __init__(self, group_id: str, illegal: str) -> None:
        self.group_id, self.illegal = group_id, illegal

    def reset(self, ctx, rng) -> None:
        self.ctx = ctx

    def act(self, state) -> Move:
        from sim.core.moves import Amendment

        if self.illegal == "kind":
            return Move("accept")
        if state.round == 0:
            return Move("position")
        inside = self.ctx.rubric.ids(state.draft)
        return Move("object", amendments=(Amendment("add", inside[0]),)) if inside else Move("accept")


class _Moody:
    """Plays from a global count of negotiations: the same seed does not give the same moves.

    (Counting negotiations, not moves: a move counter repeats its pattern whenever the number of
    moves per negotiation is a multiple of its period.)
    """

    resets = 0

    def __init__(self, group_id: str) -> None:
        self.group_id = group_id

    def reset(self, ctx, rng) -> None:
        _Moody.resets += 1

    def act(self, state) -> Move:
        return Move("position") if state.round == 0 else Move("accept" if _Moody.resets % 2 else "object")


@pytest.mark.parametrize("illegal", ["kind", "amendment"])
def test_the_check_catches_illegal_moves(ctx, illegal):
    with pytest.raises(ConformanceError, match="legal moves"):
        check_stakeholder(lambda gid: _Cheater(gid, illegal), ctx, group="wheel")


def test_the_check_catches_nondeterminism(ctx):
    with pytest.raises(ConformanceError, match="determinism|reset|pickling"):
        check_stakeholder(_Moody, ctx, group="wheel")


def test_the_check_catches_a_missing_interface(ctx):
    with pytest.raises(ConformanceError, match="interface"):
        check_stakeholder(lambda gid: object(), ctx, group="wheel")


try:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    class PromptHashModel(FakeListChatModel):
        """Answers as a function of the prompt (like a model at temperature 0); picklable."""

        def _call(self, messages, stop=None, run_manager=None, **kwargs):
            text = "".join(str(m.content) for m in messages)
            return self.responses[int(hashlib.sha256(text.encode()).hexdigest(), 16) % len(self.responses)]
except ImportError:          # the llm extra is not installed: the LLM checks skip
    PromptHashModel = None


def _fake_client():
    """A client whose fake model answers as a function of the prompt (like a model at temperature 0)."""
    pytest.importorskip("langchain_core")
    from agents.llm.factory import make_client

    answers = ['{"decision": "object", "choice": 1, "reason": "we need more"}',
               '{"decision": "accept", "reason": "fine by us"}',
               '{"choice": 1, "reason": "the rule proposal"}',
               '{"choice": 2, "reason": "the second candidate"}']
    return make_client("fake", seed=0, model=PromptHashModel(responses=answers), concurrent=False)


def test_llm_stakeholder_with_a_fake_model_conforms(ctx):
    report = check_stakeholder(lambda gid: make_stakeholder("llm", gid, llm=_fake_client()), ctx)
    assert report.moves > 0


def test_llm_mediator_with_a_fake_model_conforms(ctx):
    report = check_mediator(lambda: make_mediator("llm", llm=_fake_client()), ctx)
    assert report.moves > 0
