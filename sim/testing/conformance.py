"""Conformance checks every stakeholder and mediator must pass (as PettingZoo ships `api_test`).

`check_stakeholder(factory, scenario)` and `check_mediator(factory, scenario)` seat the agent
built by `factory` in real negotiations (the other seats are rule agents from the registry)
and check: it satisfies the engine's interface; it answers only with legal moves; the same
seed gives the same moves; `reset` starts it afresh; a pickled copy taken before any move
plays exactly as the original. A failure raises `ConformanceError` naming the check.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.core.context import NegotiationContext, make_context
from sim.core.errors import NegsimError
from sim.core.interfaces import Mediator, Stakeholder
from sim.core.moves import MAX_AMENDMENTS, Move, amendment_problem, draft_lookup
from sim.core.protocol import MEDIATOR, NegotiationEnv
from sim.core.scenario import Scenario
from sim.run.registry import make_mediator, make_stakeholder

__all__ = ["ConformanceError", "ConformanceReport", "check_mediator", "check_stakeholder"]

SEEDS = (0, 1)


class ConformanceError(NegsimError, AssertionError):
    """An agent broke the engine's contract."""


@dataclass
class ConformanceReport:
    """What was checked and how many moves were seen."""

    seat: str
    checks: list[str] = field(default_factory=list)
    moves: int = 0


def _fail(seat: str, check: str, detail: str) -> None:
    raise ConformanceError(f"{seat}: {check}: {detail}")


def _signature(move: Any) -> Any:
    """A comparable form of a move (Move or gymnasium action)."""
    if isinstance(move, Move):
        return (move.kind, move.package, tuple(map(str, move.amendments)), move.reason,
                None if move.reservation is None else round(float(move.reservation), 9),
                move.priorities, move.ranking, move.candidates)
    return tuple(np.asarray(move).ravel().tolist())


def _play(ctx: NegotiationContext, seat: str, agent: Any, seed: int,
          copy_each_move: bool = False) -> tuple[list[Any], list[dict], list[tuple[int, Any, np.ndarray | None]]]:
    """One negotiation with `agent` in `seat`; its moves, the transcript and (round, move, draft)."""
    env = NegotiationEnv(ctx)
    agents: dict[str, Any] = {MEDIATOR: make_mediator(ctx.protocol.mediator)}
    for gid in ctx.rubric.group_ids:
        agents[gid] = make_stakeholder("heuristic", gid)
    agents[seat] = agent
    children = np.random.SeedSequence(seed).spawn(len(env.possible_agents) + 1)
    env.reset(seed=int(children[0].generate_state(1)[0]))
    for name, child in zip(env.possible_agents, children[1:]):
        agents[name].reset(env.agent_context(name), np.random.default_rng(child))
    moves, seen = [], []
    for name in env.agent_iter():
        if env.terminations[name] or env.truncations[name]:
            env.step(None)
            continue
        if name == seat and copy_each_move:
            agents[seat] = pickle.loads(pickle.dumps(agents[seat]))
        draft = None if env.state_.draft is None else env.state_.draft.copy()
        move = agents[name].act(env.view(name))
        if name == seat:
            moves.append(_signature(move))
            seen.append((env.state_.round, move, draft))
        env.step(move)
    return moves, env.state_.transcript, seen


def _check_reply(ctx: NegotiationContext, seat: str, rnd: int, move: Any, draft: np.ndarray | None) -> None:
    if not isinstance(move, Move):
        space = NegotiationEnv(ctx).action_space(seat)
        if not space.contains(np.asarray(move, dtype=np.int64)):
            _fail(seat, "legal moves", f"round {rnd}: action {move!r} is outside the action space")
        return
    allowed = ("position",) if rnd == 0 else ("accept", "object")
    if move.kind not in allowed:
        _fail(seat, "legal moves", f"round {rnd}: kind {move.kind!r}, expected one of {allowed}")
    if len(move.amendments) > MAX_AMENDMENTS:
        _fail(seat, "legal moves", f"round {rnd}: {len(move.amendments)} amendments (max {MAX_AMENDMENTS})")
    if move.kind == "accept" and move.amendments:
        _fail(seat, "legal moves", f"round {rnd}: an accept carries amendments")
    index = ctx.rubric.item_index
    for a in move.amendments:
        if amendment_problem(a, index, None):
            _fail(seat, "legal moves", f"round {rnd}: amendment {a} names an unknown item")
        if draft is not None and amendment_problem(a, index, draft_lookup(draft, index)):
            _fail(seat, "legal moves", f"round {rnd}: amendment {a} does not apply to the draft")


def _check_draft(ctx: NegotiationContext, rnd: int, move: Any) -> None:
    if isinstance(move, Move):
        if rnd == 0:
            return
        if move.kind != "draft":
            _fail(MEDIATOR, "legal moves", f"round {rnd}: kind {move.kind!r}, expected 'draft'")
        unknown = [i for i in move.package if i not in ctx.rubric.item_index]
        if unknown:
            _fail(MEDIATOR, "legal moves", f"round {rnd}: draft names unknown items {unknown}")
        return
    x = np.asarray(move).ravel()
    if x.shape != (ctx.rubric.n_items,) or not np.isin(x, (0, 1)).all():
        _fail(MEDIATOR, "legal moves", f"round {rnd}: draft {move!r} is not a 0/1 package vector")


def _check_common(ctx: NegotiationContext, seat: str, factory: Callable[[], Any],
                  seeds: tuple[int, ...], report: ConformanceReport) -> None:
    for seed in seeds:
        first, transcript, seen = _play(ctx, seat, factory(), seed)
        report.moves += len(first)
        if not first:
            _fail(seat, "plays", f"seed {seed}: the agent was never asked to move")
        for rnd, move, draft in seen:
            if seat == MEDIATOR:
                _check_draft(ctx, rnd, move)
            else:
                _check_reply(ctx, seat, rnd, move, draft)
        again, transcript2, _ = _play(ctx, seat, factory(), seed)
        if again != first or transcript2 != transcript:
            _fail(seat, "determinism", f"seed {seed}: two fresh agents with the same seed played differently")
        reused = factory()
        _play(ctx, seat, reused, seed + 1000)
        if _play(ctx, seat, reused, seed)[0] != first:
            _fail(seat, "reset", f"seed {seed}: a reused agent played differently after reset")
        copied = pickle.loads(pickle.dumps(factory()))
        if _play(ctx, seat, copied, seed)[0] != first:
            _fail(seat, "pickling", f"seed {seed}: an unpickled agent played differently")
        if _play(ctx, seat, factory(), seed, copy_each_move=True)[0] != first:
            _fail(seat, "pickling", f"seed {seed}: pickling the agent between its moves changed its play")
    report.checks += ["interface", "legal moves", "determinism", "reset", "pickling"]


def check_stakeholder(factory: Callable[[str], Any], scenario: Scenario | NegotiationContext,
                      seeds: tuple[int, ...] = SEEDS, group: str | None = None) -> ConformanceReport:
    """Check the stakeholder built by `factory(group_id)` in `group`'s seat (default: every group)."""
    ctx = scenario if isinstance(scenario, NegotiationContext) else make_context(scenario)
    seats = [group] if group is not None else list(ctx.rubric.group_ids)
    report = ConformanceReport(",".join(seats))
    for seat in seats:
        agent = factory(seat)
        if not isinstance(agent, Stakeholder):
            _fail(seat, "interface", f"{type(agent).__name__} lacks group_id/reset/act")
        if agent.group_id != seat:
            _fail(seat, "interface", f"group_id is {agent.group_id!r}")
        _check_common(ctx, seat, lambda s=seat: factory(s), seeds, report)
    return report


def check_mediator(factory: Callable[[], Any], scenario: Scenario | NegotiationContext,
                   seeds: tuple[int, ...] = SEEDS) -> ConformanceReport:
    """Check the mediator built by `factory()`."""
    ctx = scenario if isinstance(scenario, NegotiationContext) else make_context(scenario)
    agent = factory()
    if not isinstance(agent, Mediator):
        _fail(MEDIATOR, "interface", f"{type(agent).__name__} lacks name/reset/act")
    report = ConformanceReport(MEDIATOR)
    _check_common(ctx, MEDIATOR, factory, seeds, report)
    return report
