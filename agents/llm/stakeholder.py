"""LLM stakeholder: speaks for its group through the same statements as the rule agents.

Round 0 it states a position (priorities over criteria, the red lines it wants heard; the ideal
package is the engine's). Each round it accepts or objects with an amendment, states its own
reservation and, when the mediator elicits, ranks the candidate drafts. The engine supplies every
number (its utility of the draft, of each amendment and of each candidate) and never a decision
rule. Invalid output (no JSON, wrong schema, illegal or over-budget amendment) gets one repair
prompt naming the problem; a second failure falls back to the rule-based stakeholder's move,
recorded in the move's meta and reason and counted in the usage. What the engine replaces or
drops in an otherwise valid answer is a recorded event (`meta.events`, counted in the usage).
Each own decision is scored against the truthful rule agent (`agents.llm.consistency`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from agents.heuristic import HeuristicStakeholder
from agents.llm.client import LLMClient, ask_with_repair
from agents.llm.consistency import aggregate, amendment_rank, ranking_tau
from agents.llm.prompts import Candidate, StakeholderReply, position_prompt, position_schema, public_system, stakeholder_prompt
from sim.core.context import NegotiationContext
from sim.core.moves import Amendment, Move, amendment_problem, draft_lookup
from sim.core.protocol import PublicState

MAX_CANDIDATES = 6


def check_amendment(ctx: NegotiationContext, x: np.ndarray, a: Amendment) -> str:
    """Why an amendment is illegal on draft x ('' when legal): unknown ids, no-ops, over budget."""
    rub = ctx.rubric
    if why := amendment_problem(a, rub.item_index, draft_lookup(x, rub.item_index)):
        return why
    k = rub.item_index[a.item]
    y = x.copy()
    y[k] = 0 if a.op == "drop" else 1
    if a.op == "swap":
        y[rub.item_index[a.other]] = 0
    if rub.cost(y) > rub.budget + 1e-9:
        return f"{a} costs {rub.cost(y):,.0f}, over the budget of {rub.budget:,.0f}"
    return ""


def event(kind: str, cause: str) -> dict:
    """One recorded replacement or drop: its kind and its cause."""
    return {"event": kind, "cause": cause}


@dataclass
class LLMStakeholder:
    """Speaks for one group through a chat model; the engine supplies every number."""

    group_id: str
    client: LLMClient
    fallbacks: int = field(default=0, init=False)
    schema: ClassVar[type] = StakeholderReply     # the answer schema (the client batches peers' prompts with it)

    def reset(self, ctx: NegotiationContext, rng: np.random.Generator) -> None:
        """Set up the backing rule stakeholder (fallback and reference) and join the client's peers."""
        self.ctx = ctx
        self.g = ctx.rubric.group_index[self.group_id]
        self.rule = HeuristicStakeholder(self.group_id, curve="linear")
        self.rule.reset(ctx, rng)
        self.system = public_system(ctx)
        self.fallbacks = 0
        self.stated: float | None = None      # the reservation this group stated last (read back to it)
        self._prepared: tuple | None = None
        if not any(p is self for p in self.client.peers):
            self.client.peers.append(self)

    def usage(self) -> dict:
        """Model usage counters, fallback moves and the run's consistency records, for the run record."""
        return {"llm": self.client.usage.as_dict(), "fallbacks": self.fallbacks,
                "llm_consistency": aggregate(self.client.records)}

    def candidates(self, x: np.ndarray) -> list[Candidate]:
        """Legal amendments the rule agent considers, by item order (the engine computes their effect)."""
        rub, v = self.ctx.rubric, self.rule.values
        out = []
        for _, a in sorted(self.rule.ranked_amendments(x), key=lambda c: -c[0])[:MAX_CANDIDATES]:
            if check_amendment(self.ctx, x, a):
                continue
            k = rub.item_index[a.item]
            j = rub.item_index[a.other] if a.other else None
            du = -v[k] if a.op == "drop" else v[k] - (v[j] if j is not None else 0.0)
            dc = -rub.costs[k] if a.op == "drop" else rub.costs[k] - (rub.costs[j] if j is not None else 0.0)
            out.append(Candidate(a, float(du), float(dc)))
        return sorted(out, key=lambda c: (rub.item_index[c.amendment.item], str(c.amendment)))

    # -- round 0 -------------------------------------------------------------------
    def position(self) -> Move:
        """The opening statement: the model's stated priorities and red lines; the ideal package is the engine's."""
        ctx, rub = self.ctx, self.ctx.rubric
        schema = position_schema(rub.criterion_ids)
        messages = [("system", self.system), ("human", position_prompt(ctx, self.g))]
        ideal = tuple(rub.ids(ctx.ideal_package(self.g)))

        def accept(reply) -> tuple[Move | None, str]:
            raw = reply.priorities.model_dump()
            total = float(sum(raw.values()))
            if total <= 0:
                return None, "every priority is 0; give at least one criterion a positive importance"
            events = [event("unknown_item_dropped", f"{kind} '{i}' is not an item")
                      for kind, ids in (("must_have", reply.must_have), ("never", reply.never))
                      for i in ids if i not in rub.item_index]
            meta = {"llm": self.client.model_name, **({"events": events} if events else {})}
            self._count(events)
            return Move("position", package=ideal, reason=reply.reason or "opening position",
                        priorities=tuple((c, round(raw[c] / total, 9)) for c in rub.criterion_ids),
                        must_have=tuple(i for i in reply.must_have if i in rub.item_index),
                        never=tuple(i for i in reply.never if i in rub.item_index), meta=meta), ""
        move, why = ask_with_repair(self.client, messages, schema, accept)
        if move is not None:
            return move
        return self._fallback(self.rule.position(), why)

    # -- each round ------------------------------------------------------------------
    def act(self, state: PublicState) -> Move:
        """State a position in round 0; then accept or object as the model answers.

        A reply that fails twice is replaced by the rule-based move (see `_fallback`).
        """
        if state.round == 0:
            return self.position()
        x = state.draft
        self.client.prefetch_round(state.round, x, state, StakeholderReply)
        messages = self.prepare(state)
        cands = self._prepared[2]
        move, why = ask_with_repair(self.client, messages, StakeholderReply,
                                    lambda reply: self._to_move(reply, x, cands, state))
        reference = self.rule.act(state)
        if move is None:
            move = self._fallback(reference, why)
        else:
            self._score(move, reference, state)
        self.stated = move.reservation if move.reservation is not None else self.stated
        return move

    def prepare(self, state: PublicState) -> list[tuple[str, str]]:
        """This round's first prompt, built once per round (candidate ranking draws from the rng)."""
        if self._prepared is None or self._prepared[0] != state.round:
            x = state.draft
            cands = self.candidates(x)
            prompt = stakeholder_prompt(self.ctx, self.g, x, state.round, cands, list(state.candidates),
                                        self.stated)
            self._prepared = (state.round, [("system", self.system), ("human", prompt)], cands)
        return self._prepared[1]

    def _to_move(self, reply: StakeholderReply, x: np.ndarray, cands: list[Candidate],
                 state: PublicState) -> tuple[Move | None, str]:
        events: list[dict] = []
        reservation = reply.reservation
        if reservation is not None and not math.isfinite(reservation):
            events.append(event("reservation_dropped", f"stated reservation {reservation} is not a number"))
            reservation = None
        ranking = self._ranking(reply.ranking, len(state.candidates), events)
        if reply.decision == "accept":
            if reply.choice is not None or reply.amendment:
                asked = f"choice {reply.choice}" if reply.choice is not None else f"amendment {reply.amendment}"
                events.append(event("accept_with_amendment",
                                    f"the accept also carried {asked}; the engine kept the accept and dropped it"))
            return self._move("accept", (), reply.reason or "accepts", reservation, ranking, events), ""
        amendments: list[Amendment] = []
        if reply.choice is not None:
            if not 1 <= reply.choice <= len(cands):
                return None, f"choice {reply.choice} is not an amendment number (1..{len(cands)})"
            amendments.append(cands[reply.choice - 1].amendment)
        if reply.amendment:
            try:
                a = Amendment.parse(reply.amendment.strip())
            except ValueError as e:
                return None, str(e)
            if bad := check_amendment(self.ctx, x, a):
                return None, f"illegal amendment {reply.amendment}: {bad}"
            amendments.append(a)
        return self._move("object", tuple(dict.fromkeys(amendments)), reply.reason or "objects",
                          reservation, ranking, events), ""

    def _ranking(self, ranking: list[int] | None, n: int, events: list[dict]) -> tuple[int, ...]:
        """The stated ranking as 0-based indices; a ranking that is not an order of the n candidates is dropped."""
        if not ranking:
            return ()
        if not n:
            events.append(event("ranking_dropped", "a ranking was given but no candidate drafts were put up"))
            return ()
        if sorted(ranking) != list(range(1, n + 1)):
            events.append(event("ranking_dropped", f"ranking {ranking} is not an order of candidates 1..{n}"))
            return ()
        return tuple(i - 1 for i in ranking)

    def _move(self, kind, amendments, reason, reservation, ranking, events) -> Move:
        meta = {"llm": self.client.model_name, **({"events": events} if events else {})}
        self._count(events)
        return Move(kind, amendments=amendments, reason=reason, reservation=reservation, ranking=ranking, meta=meta)

    def _count(self, events: list[dict]) -> None:
        for e in events:
            self.client.usage.events[e["event"]] = self.client.usage.events.get(e["event"], 0) + 1

    def _score(self, move: Move, reference: Move, state: PublicState) -> None:
        """Record this decision's consistency with the truthful rule agent in the same state."""
        x = state.draft
        rank = amendment_rank(self.rule, x, move.amendments[0]) if move.kind == "object" and move.amendments \
            else None
        tau = None
        if move.ranking and state.candidates:
            tau = ranking_tau(move.ranking, np.array([float(self.rule.values @ c) for c in state.candidates]))
        self.client.records.append({"group": self.group_id, "round": state.round,
                                    "accept_agreement": float(move.kind == reference.kind),
                                    "amendment_rank": rank, "ranking_tau": tau})

    def _fallback(self, move: Move, why: str) -> Move:
        """The rule-based move, with the cause recorded in reason and meta."""
        self.fallbacks += 1
        self.client.usage.fallbacks += 1
        return Move(move.kind, move.package, move.amendments, f"[fallback: {why}] {move.reason}",
                    move.reservation, {"llm": self.client.model_name, "fallback": why},
                    move.priorities, move.must_have, move.never, move.min_utility, move.ranking)
