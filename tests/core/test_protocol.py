"""The AEC env: PettingZoo conformance kit, acceptance rules, vetoes, engine-enforced budget."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import api_test, seed_test

from sim.core.context import make_context
from sim.core.moves import Amendment, Move, decode_reply, encode_reply
from sim.core.protocol import MEDIATOR, env
from tests.conftest import random_scenario


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_pettingzoo_api_test(tiny):
    api_test(env(tiny), num_cycles=300)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_pettingzoo_api_test_random_scenario():
    api_test(env(random_scenario(5, 9, 4)), num_cycles=200)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_pettingzoo_seed_test(tiny):
    seed_test(lambda: env(tiny), num_cycles=300)


def _play(e, mediator_pkg, replies):
    """Drive the env with a fixed draft and per-group accept flags; return the env."""
    e.reset(seed=0)
    for agent in e.agent_iter():
        if e.terminations[agent]:
            e.step(None)
            continue
        if agent == MEDIATOR:
            e.step(Move("draft", package=tuple(mediator_pkg)))
        else:
            ok = replies(agent, e.state_.round)
            e.step(Move("accept" if ok else "object", reason="scripted"))
    return e


def test_unanimous_needs_everyone(tiny):
    e = _play(env(tiny), ["ramp", "trees", "bench"], lambda g, r: g != "green")
    assert not e.outcome.agreement and e.outcome.rounds == tiny.protocol.max_rounds
    assert e.outcome.package.sum() == 0   # status quo
    e = _play(env(tiny), ["ramp", "trees", "bench"], lambda g, r: r >= 3)
    assert e.outcome.agreement and e.outcome.rounds == 3


def test_majority_and_quorum(tiny):
    maj = tiny.model_copy(update={"protocol": tiny.protocol.model_copy(update={"acceptance": "majority"})})
    e = _play(env(maj), ["ramp", "trees", "bench"], lambda g, r: g != "green")
    assert e.outcome.agreement and e.outcome.rounds == 1
    e = _play(env(maj), ["ramp", "trees", "bench"], lambda g, r: g == "fun")
    assert not e.outcome.agreement


def test_veto_blocks_agreement(tiny):
    groups = [g.model_copy(update={"veto": g.id == "green"}) for g in tiny.groups]
    s = tiny.model_copy(update={"groups": groups, "protocol": tiny.protocol.model_copy(
        update={"acceptance": "majority"})})
    e = _play(env(s), ["ramp", "trees", "bench"], lambda g, r: g != "green")
    assert not e.outcome.agreement


@pytest.mark.parametrize("information", ["private", "full"])
def test_red_line_overrides_accept(tiny, information):
    e = _play(env(tiny, information=information), ["trees", "bench", "light"], lambda g, r: True)
    assert not e.outcome.agreement  # wheel's must-have ramp is missing
    rows = [r for r in e.state_.transcript if r["agent"] == "wheel" and r["kind"] == "object"]
    assert rows and "red line broken" in rows[0]["engine_note"]
    # under private the note is the engine's record, not something the group said to the mediator
    assert ("red line broken" in rows[0]["reason"]) == (information == "full")
    public = e.view("mediator").transcript
    assert all("engine_note" not in r for r in public) == (information == "private")


def test_best_base_disagreement(tiny):
    s = tiny.model_copy(update={"protocol": tiny.protocol.model_copy(update={"disagreement": "best_base"})})
    e = _play(env(s), ["ramp"], lambda g, r: False)
    ctx = make_context(s)
    assert ctx.rubric.ids(e.outcome.package) == sorted(s.base_designs[ctx.best_base],
                                                       key=ctx.rubric.item_ids.index)


def test_engine_repairs_over_budget_draft(tiny):
    e = env(tiny)
    e.reset(seed=1)
    e.step(Move("draft"))                      # round 0: publish
    for _ in tiny.groups:
        e.step(Move("position"))
    e.step(np.ones(len(tiny.items), dtype=np.int8))   # everything: far over budget
    draft = e.state_.draft
    assert e.ctx.rubric.feasible(draft)
    assert any(r["kind"] == "repair" for r in e.state_.transcript)


def test_illegal_amendments_are_ignored_and_recorded(tiny):
    e = env(tiny)
    e.reset(seed=1)
    e.step(Move("draft"))
    for _ in tiny.groups:
        e.step(Move("position"))
    e.step(Move("draft", package=("ramp", "bench")))
    e.step(Move("object", amendments=(Amendment("add", "ramp"), Amendment("add", "ghost"),
                                      Amendment("add", "light")), reason="r"))
    reply = e.state_.replies["wheel"]
    assert [str(a) for a in reply.amendments] == ["add:light"]
    assert "illegal amendments" in reply.reason


def test_reply_encoding_round_trips(tiny):
    ctx = make_context(tiny)
    move = Move("object", amendments=(Amendment("swap", "trees", "ramp"), Amendment("add", "art")))
    code = encode_reply(move, ctx.rubric.item_index)
    back = decode_reply(code, ctx.rubric.item_ids)
    assert back.kind == "object"
    assert [str(a) for a in back.amendments] == ["swap:trees>ramp", "add:art"]
    assert decode_reply(np.array([0, 3, 0, 0]), ctx.rubric.item_ids).kind == "accept"
