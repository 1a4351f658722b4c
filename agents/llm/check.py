"""`negsim llm-check`: does a chat model bargain by its group's values? A fixed, versioned set of decision states.

The states are built from the shipped scenarios: for some groups of each scenario, drafts the
truthful rule agent accepts (its own best package late in the negotiation; the pool package
just above its reservation) and drafts it objects to (just below; far below, with candidate
drafts to rank), plus red-line traps (a draft that pays the group well but breaks one of its
red lines). Each state carries the rule agent's answer. The model is asked once per state,
through the LLM stakeholder itself (same prompt, schema, repair and fallback as in a run), and
scored by the stakeholder's own consistency records (`agents.llm.consistency`).

A fallback (no usable answer after the repair prompt) counts as a wrong decision: the rule
agent's move would otherwise score the model's failure as agreement.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from sim.core.context import NegotiationContext, make_context
from sim.core.protocol import PublicState
from sim.core.scenario import load_scenario

VERSION = "llm-check/1"
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
SCENARIOS = ("tiny_example", "park_renovation", "montreal_streets")   # pb_neighbourhood (44 items) doubles the CPU time
STATE_SEED = 0              # the rule agent's concession jitter: fixed, so the reference answers are too
OBJECTIVES = ("utilitarian", "maximin", "nash")
VERDICTS = ("bargains by its values", "rubber-stamps", "always objects", "unreliable")
CONSTANT = 0.9              # share of one answer over all states that makes a model "constant"
BARGAINS = 0.75             # balanced accept agreement of a model that bargains by its values
MAX_FALLBACK_SHARE = 0.25   # more failed answers than this: unreliable


@dataclass(frozen=True)
class CheckState:
    """One decision: a group of a shipped scenario, a round, a draft (and candidates to rank), the rule's answer."""

    id: str
    scenario: str
    group: str
    round: int
    draft: tuple[str, ...]
    candidates: tuple[tuple[str, ...], ...]
    kind: str                 # accept-worthy, object-worthy or red-line trap
    margin: float             # (draft utility - rule reservation) / (ideal - floor)
    reference: str            # the truthful rule agent's answer: accept or object
    stated: float | None      # the reservation the group stated the round before (the rule's; None in round 1)


def _rule(ctx: NegotiationContext, group: str):
    from agents.heuristic import HeuristicStakeholder

    rule = HeuristicStakeholder(group, curve="linear")     # the LLM stakeholder's own reference agent
    rule.reset(ctx, np.random.default_rng(STATE_SEED))
    return rule


def _pool(ctx: NegotiationContext) -> list[np.ndarray]:
    """Feasible drafts: each group's best package, the objectives' optima, and each of those less one item."""
    rub = ctx.rubric
    base = [ctx.ideal_package(g) for g in range(rub.n_groups)]
    base += [ctx.search.optimise(o).package for o in OBJECTIVES]
    out = {}
    for x in base:
        out.setdefault(x.tobytes(), x)
        for k in np.flatnonzero(x):
            y = x.copy()
            y[k] = 0
            if rub.feasible(y):
                out.setdefault(y.tobytes(), y)
    return [out[k] for k in sorted(out)]


def _margin(ctx: NegotiationContext, rule, x: np.ndarray, round_: int) -> float:
    span = max(rule.ideal - rule.floor, 1e-9)
    return (float(rule.values @ x) - rule.reservation(round_)) / span


def _state(ctx, name: str, rule, round_: int, x: np.ndarray, kind: str, cands=()) -> CheckState:
    rub = ctx.rubric
    reference = rule.act(PublicState(round=round_, draft=x, candidates=list(cands))).kind
    stated = round(rule.reservation(round_ - 1), 4) if round_ > 1 else None
    return CheckState(f"{name}/{rule.group_id}/{kind}/r{round_}", name, rule.group_id, round_, tuple(rub.ids(x)),
                      tuple(tuple(rub.ids(c)) for c in cands), kind, round(_margin(ctx, rule, x, round_), 4),
                      reference, stated)


def _pick(ctx, rule, pool, round_: int, accept: bool, nearest: bool) -> np.ndarray | None:
    """The pool draft (red lines kept) on the wanted side of the reservation, nearest to or farthest from it."""
    g = rule.g
    side = [x for x in pool if not ctx.red_lines_broken(g, x)
            and (_margin(ctx, rule, x, round_) >= 0) == accept]
    if not side:
        return None
    key = (lambda x: abs(_margin(ctx, rule, x, round_))) if nearest else \
        (lambda x: -abs(_margin(ctx, rule, x, round_)))
    return min(side, key=key)


def scenario_states(name: str) -> list[CheckState]:
    """The states of one shipped scenario: two accept-worthy, two object-worthy, a red-line trap when it has one."""
    ctx = make_context(load_scenario(SCENARIO_DIR / f"{name}.yaml"))
    ids, pool, last = ctx.rubric.group_ids, _pool(ctx), ctx.max_rounds
    mid = (last + 1) // 2
    a, b = _rule(ctx, ids[0]), _rule(ctx, ids[1 % len(ids)])
    out = []
    for rule, round_, accept, nearest, kind in ((a, last, True, False, "accept-worthy"),
                                                (b, mid, True, True, "accept-worthy"),
                                                (a, mid, False, True, "object-worthy"),
                                                (b, 1, False, False, "object-worthy")):
        x = _pick(ctx, rule, pool, round_, accept, nearest)
        if x is not None:
            cands = [ctx.ideal_package(rule.g), ctx.search.optimise("utilitarian").package, x] if round_ == 1 else []
            out.append(_state(ctx, name, rule, round_, x, kind, cands))
    if trap := _trap(ctx, name, pool):
        out.append(trap)
    return out


def _trap(ctx, name: str, pool) -> CheckState | None:
    """A late draft that pays a group with must-have or never lines well, yet breaks one of them."""
    groups = [s.id for s in ctx.scenario.groups if s.red_lines.must_have or s.red_lines.never]
    if not groups:
        return None
    rule = _rule(ctx, groups[0])
    broken = [x for x in pool if ctx.red_lines_broken(rule.g, x)]
    if not broken:
        return None
    x = max(broken, key=lambda y: float(rule.values @ y))
    return _state(ctx, name, rule, ctx.max_rounds, x, "red-line trap")


def check_states() -> list[CheckState]:
    """The versioned state set (VERSION), in scenario order (llama.cpp reuses each scenario's system prompt)."""
    return [s for name in SCENARIOS for s in scenario_states(name)]


@dataclass
class Answer:
    """The model's answer to one state, scored against the rule agent's."""

    state: str
    kind: str
    reference: str
    answer: str
    fallback: bool
    agrees: bool
    amendment_rank: float | None = None
    ranking_tau: float | None = None
    cause: str = ""           # why the model's answer was replaced by the rule move (a fallback)


def _contexts() -> dict[str, NegotiationContext]:
    return {name: make_context(load_scenario(SCENARIO_DIR / f"{name}.yaml")) for name in SCENARIOS}


def ask(client, ctx: NegotiationContext, state: CheckState) -> Answer:
    """One question: the LLM stakeholder's move on the state's draft, scored by its own consistency record."""
    from agents.llm.stakeholder import LLMStakeholder

    rub = ctx.rubric
    client.peers.clear()                  # one question at a time: no batching with earlier states' agents
    agent = LLMStakeholder(state.group, client)
    agent.reset(ctx, np.random.default_rng(STATE_SEED))
    agent.stated = state.stated
    seen = len(client.records)
    move = agent.act(PublicState(round=state.round, draft=rub.package(state.draft),
                                 candidates=[rub.package(c) for c in state.candidates]))
    fallback = "fallback" in move.meta
    record = client.records[seen] if len(client.records) > seen else {}
    return Answer(state.id, state.kind, state.reference, move.kind, fallback,
                  agrees=not fallback and move.kind == state.reference,
                  amendment_rank=record.get("amendment_rank"), ranking_tau=record.get("ranking_tau"),
                  cause=move.meta.get("fallback", ""))


@dataclass
class CheckReport:
    """What `negsim llm-check` prints (and writes with --json)."""

    version: str
    model: str
    seed: int
    states: int
    accept_worthy_agreement: float | None      # share of accept-worthy drafts the model accepted
    object_worthy_agreement: float | None      # share of object-worthy drafts (traps included) it objected to
    balanced: float | None
    amendment_rank: float | None
    ranking_tau: float | None
    red_line_respect: float | None             # share of red-line traps it objected to
    fallbacks: int
    seconds_per_decision: float
    cpu_seconds: float
    tokens_per_decision: float
    load: float                                # 1-minute load average when the check started
    verdict: str
    answers: list[Answer] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The report as plain JSON-ready data (answers included)."""
        return asdict(self)


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(float(np.mean(values)), 4) if values else None


def verdict(answers: list[Answer]) -> str:
    """One of VERDICTS: failing answers, a constant answer of its own, or balanced agreement at or above BARGAINS."""
    own = [a.answer for a in answers if not a.fallback]
    if len(answers) - len(own) > MAX_FALLBACK_SHARE * len(answers) or not own:
        return "unreliable"
    if own.count("accept") >= CONSTANT * len(own):
        return "rubber-stamps"
    if own.count("object") >= CONSTANT * len(own):
        return "always objects"
    return "bargains by its values" if (balanced(answers) or 0.0) >= BARGAINS else "unreliable"


def balanced(answers: list[Answer]) -> float | None:
    """The mean of accept agreement on accept-worthy states and on object-worthy ones (traps included)."""
    sides = [_mean([float(a.agrees) for a in answers if (a.reference == side)]) for side in ("accept", "object")]
    return None if None in sides else round((sides[0] + sides[1]) / 2, 4)


def run_check(client, states: list[CheckState] | None = None) -> CheckReport:
    """Ask the client's model every state once; the report with its scores, costs and verdict."""
    states = check_states() if states is None else states
    contexts, load = _contexts(), os.getloadavg()[0]
    cpu = time.process_time()
    answers = [ask(client, contexts[s.scenario], s) for s in states]
    u, n = client.usage, max(len(states), 1)
    return CheckReport(
        VERSION, client.model_name, client.seed, len(states),
        _mean([float(a.agrees) for a in answers if a.reference == "accept"]),
        _mean([float(a.agrees) for a in answers if a.reference == "object"]), balanced(answers),
        _mean([a.amendment_rank for a in answers]), _mean([a.ranking_tau for a in answers]),
        _mean([float(a.answer == "object" and not a.fallback) for a in answers if a.kind == "red-line trap"]),
        u.fallbacks, round(u.seconds / n, 3), round(time.process_time() - cpu, 3),
        round((u.prompt_tokens + u.completion_tokens) / n, 1), round(load, 2), verdict(answers), answers)


def render(report: CheckReport) -> str:
    """The human-readable report: one line per measure, then the verdict."""
    def f(v):
        return "n/a" if v is None else f"{v:.2f}"
    return "\n".join([
        f"{report.version}: {report.model}, {report.states} decision states, seed {report.seed}",
        f"accept agreement: {f(report.accept_worthy_agreement)} on accept-worthy drafts, "
        f"{f(report.object_worthy_agreement)} on object-worthy drafts, balanced {f(report.balanced)}",
        f"amendment rank {f(report.amendment_rank)}; ranking tau {f(report.ranking_tau)}; "
        f"red-line respect {f(report.red_line_respect)}",
        f"fallbacks {report.fallbacks} of {report.states}; {report.seconds_per_decision:.2f} s and "
        f"{report.tokens_per_decision:.0f} tokens per decision; {report.cpu_seconds:.1f} CPU-s; load {report.load:.2f}",
        f"verdict: {report.verdict}"])
