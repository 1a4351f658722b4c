"""The human seat: a registered stakeholder kind fed from a script, checked by the engine as any agent."""

from __future__ import annotations

import pytest

from agents.human import AwaitingHuman
from sim.core.context import make_context
from sim.core.scenario import load_scenario
from sim.run.registry import make_stakeholder, stakeholder_names
from sim.run.runner import RunConfig, run_negotiation
from sim.testing import check_stakeholder
from tests.conftest import TINY


@pytest.fixture(scope="module")
def ctx():
    return make_context(load_scenario(TINY))


def test_human_is_registered_and_a_scripted_seat_passes_the_conformance_kit(ctx):
    assert "human" in stakeholder_names()
    report = check_stakeholder(lambda gid: make_stakeholder("human", gid, answers=[{"kind": "accept"}] * 30), ctx)
    assert report.moves > 0 and "determinism" in report.checks


def _feed(group: str, answers: list):
    def prepare(agents):
        agents[group].extend(answers)
        return agents
    return prepare


def test_empty_seat_asks_for_an_answer_with_the_draft(ctx):
    config = RunConfig(seed=0, lineup={"green": "human"})
    with pytest.raises(AwaitingHuman) as asked:
        run_negotiation(ctx, config)
    assert asked.value.group_id == "green" and asked.value.round == 1 and asked.value.draft
    assert asked.value.transcript[-1]["kind"] in ("draft", "repair", "accept", "object")


def test_engine_checks_a_human_move_exactly_as_any_agent(ctx):
    config = RunConfig(seed=0, lineup={"green": "human"})
    with pytest.raises(AwaitingHuman) as asked:
        run_negotiation(ctx, config)
    outside = next(i for i in ctx.rubric.item_ids if i not in asked.value.draft)
    answers = [{"kind": "object", "amendments": [f"drop:{outside}"], "reason": "no"}] + [{"kind": "accept"}] * 20
    result = run_negotiation(ctx, config, prepare=_feed("green", answers))
    row = next(r for r in result.transcript if r["agent"] == "green" and r["round"] == 1)
    assert row["kind"] == "object" and row["amendments"] == []
    assert f"[engine ignored illegal amendments: drop:{outside}]" in row["reason"]
    assert row["meta"] == {"human": True}
    # a red line overrides a human accept as it does an agent's: wheel must have the ramp
    wheel = RunConfig(seed=0, lineup={"wheel": "human"})
    result = run_negotiation(ctx, wheel, prepare=_feed("wheel", [{"kind": "accept"}] * 20))
    drafts = {r["round"]: r["package"] for r in result.transcript if r["kind"] == "draft"}
    for r in result.transcript:
        if r["agent"] == "wheel" and r["round"] >= 1 and "ramp" not in drafts[r["round"]]:
            # under private information the engine's note stays out of the public reason
            assert r["kind"] == "object" and "red line broken" in (r.get("engine_note") or r["reason"])


def test_same_seed_and_answers_give_the_same_run(ctx):
    config = RunConfig(seed=3, lineup={"green": "human"})
    answers = [{"kind": "object", "amendments": [], "reason": "wait"}, {"kind": "accept"}] * 10
    a = run_negotiation(ctx, config, prepare=_feed("green", answers))
    b = run_negotiation(ctx, config, prepare=_feed("green", answers))
    assert a.transcript == b.transcript
