"""LLM stakeholder: the engine offers legal candidate amendments, the model picks and explains.

Invalid output (no JSON, wrong schema, illegal or over-budget amendment) gets one repair
prompt naming the problem; a second failure falls back to the rule-based stakeholder's
move, recorded in the move's meta and reason and counted in the usage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from agents.heuristic import HeuristicStakeholder
from agents.llm.client import LLMClient, ask_with_repair
from agents.llm.prompts import Candidate, StakeholderReply, stakeholder_prompt, stakeholder_system
from sim.core.context import NegotiationContext
from sim.core.moves import Amendment, Move
from sim.core.protocol import PublicState

MAX_CANDIDATES = 5


def check_amendment(ctx: NegotiationContext, x: np.ndarray, a: Amendment) -> str:
    """Why an amendment is illegal on draft x ('' when legal): unknown ids, no-ops, over budget."""
    rub = ctx.rubric
    for item in (a.item, a.other):
        if item is not None and item not in rub.item_index:
            return f"unknown item '{item}'"
    k = rub.item_index[a.item]
    if a.op in ("add", "swap") and x[k]:
        return f"'{a.item}' is already in the draft"
    if a.op == "drop" and not x[k]:
        return f"'{a.item}' is not in the draft"
    if a.op == "swap" and not x[rub.item_index[a.other]]:
        return f"'{a.other}' is not in the draft"
    y = x.copy()
    y[k] = 0 if a.op == "drop" else 1
    if a.op == "swap":
        y[rub.item_index[a.other]] = 0
    if rub.cost(y) > rub.budget + 1e-9:
        return f"{a} costs {rub.cost(y):,.0f}, over the budget of {rub.budget:,.0f}"
    return ""


@dataclass
class LLMStakeholder:
    """Speaks for one group through a chat model; the engine supplies every number."""

    group_id: str
    client: LLMClient
    fallbacks: int = field(default=0, init=False)
    schema: ClassVar[type] = StakeholderReply     # the answer schema (the client batches peers' prompts with it)

    def reset(self, ctx: NegotiationContext, rng: np.random.Generator) -> None:
        """Set up the backing rule stakeholder and the system prompt, and join the client's peers for batching."""
        self.ctx = ctx
        self.g = ctx.rubric.group_index[self.group_id]
        self.rule = HeuristicStakeholder(self.group_id, curve="linear")
        self.rule.reset(ctx, rng)
        self.system = stakeholder_system(ctx, self.g)
        self.fallbacks = 0
        self._prepared: tuple | None = None
        if not any(p is self for p in self.client.peers):
            self.client.peers.append(self)

    def usage(self) -> dict:
        """Model usage counters and the number of fallback moves, for the run record."""
        return {"llm": self.client.usage.as_dict(), "fallbacks": self.fallbacks}

    def candidates(self, x: np.ndarray) -> list[Candidate]:
        """Legal amendments that raise this group's utility, best first (engine-computed)."""
        rub, v = self.ctx.rubric, self.rule.values
        out = []
        for a in self.rule.amendments(x):
            if check_amendment(self.ctx, x, a):
                continue
            k = rub.item_index[a.item]
            du = -v[k] if a.op == "drop" else v[k] - (v[rub.item_index[a.other]] if a.other else 0.0)
            dc = -rub.costs[k] if a.op == "drop" else rub.costs[k] - (rub.costs[rub.item_index[a.other]] if a.other else 0.0)
            out.append(Candidate(a, float(du), float(dc)))
        return out[:MAX_CANDIDATES]

    def act(self, state: PublicState) -> Move:
        """State the engine-computed position in round 0; then accept or object as the model answers.

        A reply that fails twice is replaced by the rule-based move (see `_fallback`).
        """
        if state.round == 0:
            return self.rule.act(state)   # the opening position is computed by the engine
        x = state.draft
        self.client.prefetch_round(state.round, x, state)
        messages = self.prepare(state)
        _, _, cands, r = self._prepared
        move, why = ask_with_repair(self.client, messages, StakeholderReply,
                                    lambda reply: self._to_move(reply, x, cands, r))
        if move is not None:
            return move
        return self._fallback(state, why)

    def prepare(self, state: PublicState) -> list[tuple[str, str]]:
        """This round's first prompt, built once per round (candidate ranking draws from the rng)."""
        if self._prepared is None or self._prepared[0] != state.round:
            x = state.draft
            r = self.rule.reservation(state.round)
            cands = self.candidates(x)
            messages = [("system", self.system),
                        ("human", stakeholder_prompt(self.ctx, self.g, x, state.round, r, cands))]
            self._prepared = (state.round, messages, cands, r)
        return self._prepared[1]

    def _to_move(self, reply: StakeholderReply, x: np.ndarray, cands: list[Candidate],
                 r: float) -> tuple[Move | None, str]:
        meta = {"llm": self.client.model_name}
        if reply.decision == "accept":
            return Move("accept", reason=reply.reason or "accepts", reservation=r, meta=meta), ""
        amendments: list[Amendment] = []
        if reply.choice is not None:
            if not 1 <= reply.choice <= len(cands):
                return None, f"choice {reply.choice} is not a candidate number (1..{len(cands)})"
            amendments.append(cands[reply.choice - 1].amendment)
        if reply.amendment:
            try:
                a = Amendment.parse(reply.amendment.strip())
            except ValueError as e:
                return None, str(e)
            if bad := check_amendment(self.ctx, x, a):
                return None, f"illegal amendment {reply.amendment}: {bad}"
            amendments.append(a)
        return Move("object", amendments=tuple(dict.fromkeys(amendments)), reason=reply.reason or "objects",
                     reservation=r, meta=meta), ""

    def _fallback(self, state: PublicState, why: str) -> Move:
        """The rule-based move, with the cause recorded in reason and meta."""
        self.fallbacks += 1
        self.client.usage.fallbacks += 1
        move = self.rule.act(state)
        return Move(move.kind, move.package, move.amendments, f"[fallback: {why}] {move.reason}",
                    move.reservation, {"llm": self.client.model_name, "fallback": why})
