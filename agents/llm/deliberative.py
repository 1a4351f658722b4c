"""A deliberative LLM mediator (`--mediator llm:deliberative[:N]`), after the Habermas Machine.

Each round the model drafts N candidate packages, each with a short public statement; the
engine repairs each to feasibility and records every repair in the draft's meta. The groups
rank the candidates (the draft of the round is candidate 1, the model's proposals follow:
elicitation rank:N+1 unless the run sets another). Next round the mediator aggregates the
rankings it heard with the Schulze method (`agents.schulze`), tables the winner and explains
the choice in its statement (the winning proposal's statement and the Schulze trace). With no
rankings (every group silent) it tables the rule mediator's revision. Proposals the model does
not give are filled from the public pool, recorded as events; a reply that fails twice is a
recorded fallback (all candidates from the pool).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from agents.llm.client import LLMClient, ask_with_repair
from agents.llm.prompts import DeliberativeDrafts, deliberative_prompt, public_system
from agents.mediators import RuleMediator
from agents.schulze import schulze
from sim.core.elicitation import MAX_RANK
from sim.core.moves import Move
from sim.core.protocol import PublicState
from sim.core.repair import repair

DEFAULT_N = 3
MAX_N = MAX_RANK - 1          # the round's draft is ranked with the N proposals


def parse_n(option: str | None) -> int:
    """'deliberative' -> DEFAULT_N, 'deliberative:N' -> N; ValueError naming the fix otherwise."""
    name, _, n = (option or "").partition(":")
    if name != "deliberative":
        raise ValueError(f"unknown LLM mediator variant '{option}'")
    if not n:
        return DEFAULT_N
    if not n.isdigit() or not 2 <= int(n) <= MAX_N:
        raise ValueError(f"llm:deliberative:{n} needs N candidates with 2 <= N <= {MAX_N}; "
                         f"fix: use e.g. llm:deliberative:{DEFAULT_N}")
    return int(n)


@dataclass
class DeliberativeMediator:
    """Drafts N candidates per round, tables the Schulze winner of the groups' rankings."""

    client: LLMClient
    n: int = DEFAULT_N
    name: str = "llm:deliberative"
    fallbacks: int = field(default=0, init=False)

    def reset(self, ctx, rng: np.random.Generator) -> None:
        """Set up the backing rule mediator (beliefs, opening, revisions, fallback) and the shared system prompt."""
        self.ctx = ctx
        self.rule = RuleMediator("negotiated")
        self.rule.reset(ctx, rng)
        self.system = public_system(ctx)
        self.fallbacks = 0
        self.statements: dict[bytes, str] = {}

    def believed_utilities(self, packages: np.ndarray, round: int | None = None) -> np.ndarray:
        """(n, G) utilities as the backing rule mediator believes them."""
        return self.rule.believed_utilities(packages, round)

    def usage(self) -> dict:
        """Model usage counters and the number of fallback rounds, for the run record."""
        return {"llm": self.client.usage.as_dict(), "fallbacks": self.fallbacks}

    def act(self, state: PublicState) -> Move:
        """Publish the rubric in round 0; then table the Schulze winner and put N new candidates up for ranking."""
        if state.round == 0:
            return Move("draft", reason="deliberative LLM mediator publishes the rubric and budget")
        if self.rule.know.private:
            self.rule.listen(state)
        x, why, trace = self._winner(state)
        self.rule.tabled.add(x.tobytes())
        proposals, meta = self._proposals(state, x)
        meta["schulze"] = trace
        rub = self.ctx.rubric
        return Move("draft", package=tuple(rub.ids(x)), reason=why, meta=meta,
                    candidates=tuple(tuple(rub.ids(y)) for y in proposals))

    def _winner(self, state: PublicState) -> tuple[np.ndarray, str, dict]:
        """The package to table: the opening, the Schulze winner of last round's rankings, or the rule revision."""
        if state.draft is None:
            return self.rule.opening_draft(), "opening draft (the rule mediator's); rank the candidates", {}
        ballots = [r.ranking for r in state.last_replies.values() if r.ranking]
        cands = state.candidates
        if ballots and len(cands) >= 2:
            result = schulze(ballots, len(cands))
            x = np.asarray(cands[result.winner], dtype=np.int8)
            said = self.statements.get(x.tobytes(), "the draft stays on the table")
            return x, f"Candidate {result.winner + 1} won the groups' rankings ({result.details['why']}): {said}", \
                result.details
        x, why = self.rule.revise(state.draft, state.last_replies)
        return x, f"no group ranked the candidates; rule revision: {why}", {"why": "no rankings"}

    def _proposals(self, state: PublicState, x: np.ndarray) -> tuple[list[np.ndarray], dict]:
        """N distinct repaired proposals besides x (model's first, then the public pool), with the meta trace."""
        rub = self.ctx.rubric
        meta: dict = {"llm": self.client.model_name}
        objections = [f"{g}: {r.reason}" for g, r in state.last_replies.items() if not r.accept]
        messages = [("system", self.system),
                    ("human", deliberative_prompt(self.ctx, state.round, x, objections,
                                                  self._seeds(x), self.n))]

        def accept(reply: DeliberativeDrafts):
            known = [[i for i in p.items if i in rub.item_index] for p in reply.proposals]
            if not any(known):
                return None, "no proposal names a known item id"
            return reply, ""
        reply, why = ask_with_repair(self.client, messages, DeliberativeDrafts, accept)
        out, seen, traced, events = [], {x.tobytes()}, [], []
        if reply is None:
            self.fallbacks += 1
            self.client.usage.fallbacks += 1
            meta["fallback"] = why
        for p in (reply.proposals if reply is not None else []):
            unknown = [i for i in p.items if i not in rub.item_index]
            if unknown:
                events.append({"event": "unknown_item_dropped", "cause": f"proposal items {unknown} are not items"})
            y, notes = repair(self.ctx, rub.package([i for i in p.items if i in rub.item_index]))
            traced.append({"package": rub.ids(y), "statement": p.statement, "repairs": notes})
            if y.tobytes() not in seen and len(out) < self.n:
                seen.add(y.tobytes())
                out.append(y)
                self.statements[y.tobytes()] = p.statement
        for y in self._pool_order():
            if len(out) >= self.n:
                break
            if y.tobytes() not in seen:
                seen.add(y.tobytes())
                out.append(y)
                events.append({"event": "candidate_filled",
                               "cause": f"the model gave fewer than {self.n} distinct packages; "
                                        f"filled with {', '.join(rub.ids(y))} from the public pool"})
        meta["proposals"] = traced
        if events:
            meta["events"] = events
            for e in events:
                self.client.usage.events[e["event"]] = self.client.usage.events.get(e["event"], 0) + 1
        return out, meta

    def _pool_order(self) -> list[np.ndarray]:
        """The mediator's pool by believed total utility, best first."""
        know = self.rule.know
        pool = know.pool()
        return [pool[i] for i in np.argsort(-know.utilities(pool).sum(axis=1), kind="stable")]

    def _seeds(self, x: np.ndarray) -> list[tuple[np.ndarray, str]]:
        """What the model sees on the table: the draft and the pool's best packages."""
        return [(x, "the draft")] + [(y, "from the public pool") for y in self._pool_order()[:2]]
