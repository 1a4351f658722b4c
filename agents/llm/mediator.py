"""LLM mediator: picks or composes a draft with a public justification.

The engine offers feasible candidate packages (the rule mediator's revision, the current
draft, objective optima). An infeasible or malformed draft gets one repair prompt naming
why; a second failure tables the rule-based mediator's draft, recorded as a fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from agents.llm.client import LLMClient, ask_with_repair
from agents.llm.prompts import MediatorDraft, mediator_prompt, mediator_system
from agents.mediators import RuleMediator, objective_matrix
from sim.core.context import NegotiationContext
from sim.core.moves import Move
from sim.core.protocol import PublicState
from sim.core.views import PublicContext
from sim.search.exact import OBJECTIVES

MAX_CANDIDATES = 5


@dataclass
class LLMMediator:
    """A mediator voiced by a chat model, backed by a rule mediator for candidates and fallback."""

    client: LLMClient
    strategy: str = "negotiated"
    name: str = "llm"
    fallbacks: int = field(default=0, init=False)

    def reset(self, ctx: NegotiationContext | PublicContext, rng: np.random.Generator) -> None:
        """Set up the backing rule mediator and the system prompt for this scenario."""
        self.ctx = ctx
        self.rule = RuleMediator(self.strategy)
        self.rule.reset(ctx, rng)
        self.system = mediator_system(ctx)
        self.fallbacks = 0

    def believed_utilities(self, packages: np.ndarray, round: int | None = None) -> np.ndarray:
        """(n, G) utilities as the backing rule mediator believes them (true ones under full information)."""
        return self.rule.believed_utilities(packages, round)

    def usage(self) -> dict:
        """Model usage counters and the number of fallback drafts, for the run record."""
        return {"llm": self.client.usage.as_dict(), "fallbacks": self.fallbacks}

    def candidates(self, state: PublicState) -> list[tuple[np.ndarray, str]]:
        """Distinct feasible packages: rule proposal first, then the draft and objective optima."""
        ctx = self.ctx
        if state.draft is None:
            first = [(self.rule.opening_draft(), "rule mediator's opening")]
        else:
            y, why = self.rule.revise(state.draft, state.last_replies)
            first = [(y, f"rule mediator: {why}"), (state.draft, "keep the current draft")]
        if self.rule.know.private:      # the public pool, best first by the strategy on believed utilities
            know = self.rule.know
            pool = know.pool()
            obj = objective_matrix(self.rule._strategy_objective, know.utilities(pool), know.d, know.ideals)
            optima = [(pool[i], "a package from the public pool") for i in np.lexsort(obj.T[::-1])[::-1][:3]]
        else:
            optima = [(ctx.search.optimise(o, disagreement=ctx.disagreement_utilities).package, f"{o}-optimal")
                      for o in OBJECTIVES]
        out, seen = [], set()
        for y, label in first + optima:
            y = np.asarray(y, dtype=np.int8)
            if y.tobytes() not in seen and ctx.rubric.feasible(y):
                seen.add(y.tobytes())
                out.append((y, label))
        return out[:MAX_CANDIDATES]

    def act(self, state: PublicState) -> Move:
        """Publish the rubric in round 0; then table the draft the model picks or composes.

        A draft that fails twice is replaced by the rule mediator's (see `_fallback`).
        """
        if state.round == 0:
            return Move("draft", reason="LLM mediator publishes the rubric and budget")
        if self.rule.know.private:
            self.rule.listen(state)
        cands = self.candidates(state)
        objections = [f"{g}: {r.reason}" for g, r in state.last_replies.items() if not r.accept]
        messages = [("system", self.system),
                    ("human", mediator_prompt(self.ctx, state.round, state.draft, objections, cands,
                                              self.rule.believed_utilities))]

        def accept(reply: MediatorDraft) -> tuple[tuple | None, str]:
            x, why = self._package(reply, cands)
            return ((x, reply) if x is not None else None), why
        chosen, why = ask_with_repair(self.client, messages, MediatorDraft, accept)
        if chosen is not None:
            x, reply = chosen
            self.rule.tabled.add(x.tobytes())
            meta = {"llm": self.client.model_name}
            if reply.choice is not None and reply.items:
                cause = f"the reply named candidate {reply.choice} and its own items {reply.items}; " \
                        "the engine tabled the candidate and ignored the items"
                meta["events"] = [{"event": "choice_and_items", "cause": cause}]
                events = self.client.usage.events
                events["choice_and_items"] = events.get("choice_and_items", 0) + 1
            return Move("draft", package=tuple(self.ctx.rubric.ids(x)), reason=reply.reason or "draft", meta=meta)
        return self._fallback(state, why)

    def _package(self, reply: MediatorDraft, cands: list) -> tuple[np.ndarray | None, str]:
        """The package the reply names, or (None, why) when unknown, empty or infeasible."""
        rub = self.ctx.rubric
        if reply.choice is not None:
            if not 1 <= reply.choice <= len(cands):
                return None, f"choice {reply.choice} is not a candidate number (1..{len(cands)})"
            return cands[reply.choice - 1][0], ""
        if not reply.items:
            return None, "neither a candidate number nor a list of items"
        unknown = [i for i in reply.items if i not in rub.item_index]
        if unknown:
            return None, f"unknown item '{unknown[0]}'"
        x = rub.package(reply.items)
        if bad := rub.why_infeasible(x):
            return None, "infeasible draft: " + "; ".join(bad)
        return x, ""

    def _fallback(self, state: PublicState, why: str) -> Move:
        self.fallbacks += 1
        self.client.usage.fallbacks += 1
        move = self.rule.act(state)
        return Move("draft", move.package, reason=f"[fallback: {why}] {move.reason}",
                    meta={"llm": self.client.model_name, "fallback": why})
