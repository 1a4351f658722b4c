"""Rule-based mediator strategies: which draft to table and how to revise it.

Objective mediators (utilitarian, maximin, leximin, nash, kalai) open with their optimal
package; `negotiated` opens with the best base design. Each round the mediator builds
candidate drafts from the objections (each requested amendment, each group's amendments
together, and greedy merges), repairs them to feasibility, and tables the candidate with
predicted agreement (acceptance rule and vetoes), then the most predicted support, then the
best strategy objective. `negotiated` raises the worst-off group first and never drops below
the total of the best base design.

Under `information: full` every number is true (`agents.knowledge.FullKnowledge`); under
`private` the mediator is handed only the public view and works on believed values learned
from the groups' statements (`agents.beliefs`, `agents.knowledge.BeliefKnowledge`); the belief is
`agents.beliefs.DEFAULT_BELIEF` (item values, binding decisions and the stated ideal as evidence)
unless `beliefs` names another (e.g. "weights").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.beliefs import DEFAULT_BELIEF, Beliefs, BeliefSettings, belief_settings
from agents.drafting import conflicts, fallback, searched
from agents.knowledge import BeliefKnowledge, FullKnowledge, mediation_pool, pool_objectives, red_lines_ok
from agents.listening import decision_rows, hear_positions, hear_replies
from agents.ranking import STANDING, Assessment, rank, unaddressed
from agents.revision import amended, from_objections, merged
from agents.support import SupportModel, credibility, shares
from sim.core.cache import memo
from sim.core.context import NegotiationContext
from sim.core.moves import Amendment, Move
from sim.core.protocol import PublicState, Reply
from sim.core.repair import repair
from sim.core.views import PublicContext
from sim.search import objectives

__all__ = ["STRATEGIES", "RuleMediator", "make_rule_mediator", "mediation_pool",
           "objective_matrix", "red_lines_ok"]

STRATEGIES = ("utilitarian", "maximin", "leximin", "nash", "kalai", "negotiated")
TOL = 1e-9


@dataclass
class RuleMediator:
    """A mediator following one strategy of STRATEGIES, on true values (full) or believed ones (private)."""

    name: str = "negotiated"
    max_merges: int = 4
    opening: tuple[str, ...] | None = None     # a planner's proposal to open from (repaired)
    beliefs: BeliefSettings | str = field(default_factory=lambda: belief_settings(DEFAULT_BELIEF))
    tabled: set = field(default_factory=set, repr=False)
    standing: str = ""     # agents.ranking.STANDING: support when nothing is predicted to pass (off: "")

    def __post_init__(self) -> None:
        if self.standing not in STANDING:
            raise ValueError(f"mediator option standing={self.standing!r}: use one of {STANDING}")
        if isinstance(self.beliefs, str):     # a belief by name (agents.beliefs.belief_settings)
            self.beliefs = belief_settings(self.beliefs)

    def reset(self, ctx: NegotiationContext | PublicContext, rng: np.random.Generator) -> None:
        """Check the strategy and set up what it knows: the context under full information, beliefs under private.

        Under full the opening package and the `negotiated` floor are fixed now; under private at
        the first draft, after the groups stated their positions.
        """
        if self.name not in STRATEGIES:
            raise ValueError(f"unknown mediator strategy {self.name!r}; use one of {', '.join(STRATEGIES)}")
        self.ctx, self.rng = ctx, rng
        self.tabled = set()
        self._tabled_rows, self._lines_opening = None, False
        self._apply_memo, self._merge_memo = memo(ctx, "mediator_apply"), memo(ctx, "mediator_merge")
        self.heard, self._round = 0, 0
        if isinstance(ctx, PublicContext):
            self.know: FullKnowledge = BeliefKnowledge(ctx, Beliefs(ctx, rng, self.beliefs))
            self.history = [self.know.beliefs.mean_params()]
            self.start, self.floor_total = None, -np.inf
            self.support = SupportModel(ctx.rubric.n_groups, ctx.max_rounds)
            self.objected: dict[tuple[bytes, int], int] = {}
            self._stale_rows = self._stale_groups = None
            return
        self.know = FullKnowledge(ctx, pool_objectives(self.name))
        self.history, self.support, self.objected, self._stale_rows, self._stale_groups = [], None, {}, None, None
        self.start = self._opening_package()
        self.floor_total = float(ctx.rubric.utilities(self.start).sum()) \
            if self.name == "negotiated" else -np.inf

    @property
    def values(self) -> np.ndarray:
        """(G, K) item values per group as this mediator knows them (true or believed)."""
        return self.know.values

    def believed_utilities(self, packages: np.ndarray, round: int | None = None) -> np.ndarray:
        """(n, G) utilities of packages as the mediator believes them, now or before round `round` (0: the prior)."""
        X = np.atleast_2d(np.asarray(packages, dtype=float))
        if not self.know.private:
            return X @ self.values.T
        W = self.history[-1] if round is None else self.history[min(max(round, 0), len(self.history) - 1)]
        return X @ (W @ self.know.beliefs.E.T).T

    def _opening_package(self) -> np.ndarray:
        know = self.know
        if self.opening is not None:
            return np.array(repair(self.ctx, self.ctx.rubric.package(list(self.opening)))[0], dtype=np.int8)
        if self.name == "negotiated" and know.best_base is not None:
            return repair(self.ctx, know.base_packages[know.best_base])[0]
        if know.private:
            pool = know.pool()
            name = "maximin" if self.name == "negotiated" else self.name
            obj = objective_matrix(name, know.utilities(pool), know.d, know.ideals)
            return pool[np.lexsort(obj.T[::-1])[-1]]
        if self.name == "negotiated":
            return self.ctx.search.optimise("maximin").package
        return self.ctx.search.optimise(self.name, disagreement=self.ctx.disagreement_utilities).package

    def act(self, state: PublicState) -> Move:
        """Publish the rubric in round 0; table the opening package, then revisions; at clock-out the fallback."""
        rub = self.ctx.rubric
        if state.round == 0:
            return Move("draft", reason=f"{self.name} mediator publishes the rubric and budget")
        if self.know.private:   # at clock-out, hear the last round's decisions first
            self.listen(dataclasses.replace(state, round=state.round + 1) if state.clock_out else state)
        if state.clock_out:     # the rounds ran out: the last word, from what was stated and decided
            x, why = fallback(self.know, self._objective)
            return Move("draft", package=tuple(rub.ids(x)), reason=why)
        self.runners_up: list[np.ndarray] = []
        self._round = state.round
        if state.draft is None:
            x, why = self.opening_draft(), self._opening_reason()
        else:
            x, why = self.revise(state.draft, state.last_replies)
        self.tabled.add(x.tobytes())
        return Move("draft", package=tuple(rub.ids(x)), reason=why, candidates=self._to_rank(x))

    def opening_draft(self) -> np.ndarray:
        """The first draft (under private information fixed when first asked, after the positions)."""
        if self.start is None:
            self.start = self._opening_package()
            self.floor_total = self._floor()
            if self.support is not None and not self.know.red_lines_ok(self.start[None], self.know.utilities(
                    self.start[None])).all():   # private: open keeping every stated red line when a package can
                found = searched(self.know, self.know.ideals - TOL, self._objective, avoid=self._refused)
                if len(found):
                    self.start, self._lines_opening = found[0], True
        return self.start

    def _floor(self) -> float:
        """`negotiated` never drops below the (believed) total of the best base design."""
        if self.name != "negotiated" or self.know.best_base is None:
            return -np.inf
        x = repair(self.ctx, self.know.base_packages[self.know.best_base])[0]
        return float(self.know.utilities(x).sum())

    def _to_rank(self, x: np.ndarray) -> tuple[tuple[str, ...], ...]:
        """With elicitation rank:K, the K-1 best other candidates to put beside the draft."""
        k = self.ctx.protocol.rank_k
        if not k:
            return ()
        others = list(self.runners_up)
        if not others:
            pool = self.know.pool()
            obj = objective_matrix(self._strategy_objective, self.know.utilities(pool), self.know.d, self.know.ideals)
            others = list(pool[np.lexsort(obj.T[::-1])[::-1]])
        out, seen = [], {x.tobytes()}
        for y in others:
            if y.tobytes() not in seen and len(out) < k - 1:
                seen.add(y.tobytes())
                out.append(tuple(self.ctx.rubric.ids(y)))
        return tuple(out)

    @property
    def _strategy_objective(self) -> str:
        return "maximin" if self.name == "negotiated" else self.name

    def listen(self, state: PublicState) -> None:
        """Update the beliefs from every statement not heard yet (positions, then last round's replies)."""
        know = self.know
        if self.heard == state.round and len(self.history) > 1:
            return
        if self.heard == 0:
            hear_positions(know, state.stated, state.ballots)
        if state.draft is not None and self.heard < state.round:
            self._record(state.round - 1, state.draft, state.last_replies)
            hear_replies(know, state.last_replies, state.draft, state.candidates,
                         self._credibility(state.round - 1, state.draft, state.last_replies),
                         decision_rows(know, self.support, self._kept),
                         self.support.concession(state.round - 1) >= 1.0 - 1e-9)
        self.heard = state.round
        know.refresh()
        self.history.append(know.params)
        if self.start is not None:
            self.floor_total = self._floor()

    def _opening_reason(self) -> str:
        if self._lines_opening:
            return "opening with a package found by search that keeps every stated red line"
        if self.opening is not None:
            return "opening from the planner's proposal (repaired to feasibility where needed)"
        if self.name == "negotiated" and self.know.best_base is not None:
            return f"opening from the best base design '{self.know.best_base}'"
        return f"opening with the {self.name}-optimal feasible package"

    # -- revision --------------------------------------------------------------------
    def revise(self, x: np.ndarray, replies: dict[str, Reply]) -> tuple[np.ndarray, str]:
        """The next draft: predicted agreement, most predicted support, then the strategy objective."""
        objections = {g: r for g, r in replies.items() if not r.accept}
        if not objections:
            return x, "no objections: the draft stands"
        local = self._candidates(x, objections)
        pool = self.know.candidates()
        labels = ["keep"] + [label for _, label in local] + ["a package from the feasible pool"] * len(pool)
        C = np.vstack([x[None, :]] + [y[None, :] for y, _ in local] + [pool])
        thr = self._thresholds(x, replies, objections)
        C, labels = self._with_searched(C, labels, thr)
        order = self._rank(C, x, thr)
        best_y, best_label = C[order[0]], labels[order[0]]
        for _ in range(2):   # two rounds of merging the best with the runners-up
            merges = [(m, f"{best_label} + {labels[i]}") for i in order[1: self.max_merges + 1]
                      if (m := self._merge(best_y, C[i])) is not None]
            if not merges:
                break
            M = np.vstack([best_y[None, :]] + [m[None, :] for m, _ in merges])
            top = self._rank(M, x, thr)[0]
            if top == 0:
                break
            best_y, best_label = merges[top - 1]
        if self.ctx.protocol.rank_k:
            self.runners_up = [C[i] for i in order[:2 * self.ctx.protocol.rank_k]]
        if np.array_equal(best_y, x):
            return x, "no change gains support without costing more: the draft stands" + self._note
        return best_y.astype(np.int8), f"revised: {best_label}{self._note}"

    def _with_searched(self, C: np.ndarray, labels: list[str], thr: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Under private information, add exact-search drafts (agents.drafting) when no candidate will do.

        "Will do": keeps every stated red line and no group objected to it twice.
        """
        self._note = ""
        if self.support is None:
            return C, labels
        U = self.know.utilities(C)
        if (self.know.red_lines_ok(C, U).all(axis=1) & ~self._refused(C)).any():
            return C, labels
        found = searched(self.know, thr, self._objective, avoid=self._refused)
        if not len(found) and (pairs := conflicts(self.know, sorted(self.know.stated))):
            ids = self.ctx.rubric.group_ids
            self._note = "; stated red lines that no package keeps together: " + ", ".join(
                f"{ids[a]} and {ids[b]}" for a, b in pairs)
        return np.vstack([C, found]), labels + ["a package found by search (stated red lines kept)"] * len(found)

    def _apply(self, x: np.ndarray, amendments: tuple[Amendment, ...]) -> np.ndarray | None:
        """The draft with these amendments applied and repaired (agents.revision.amended); memoised."""
        table, key = self._apply_memo, (x.tobytes(), amendments)
        if key not in table:
            table[key] = amended(self.ctx, x, amendments)
        return table[key]

    def _candidates(self, x: np.ndarray, objections: dict[str, Reply]) -> list[tuple[np.ndarray, str]]:
        return from_objections(self._apply, x, objections)

    def _merge(self, a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
        """Package a with b's extra items, repaired (agents.revision.merged); memoised per context."""
        table, key = self._merge_memo, (a.dtype.str, a.tobytes(), b.dtype.str, b.tobytes())
        if key not in table:
            table[key] = merged(self.ctx, a, b)
        return table[key]

    def _record(self, round_: int, x: np.ndarray, replies: dict[str, Reply]) -> None:
        """Keep one round's binding decisions (and count objections per draft and group)."""
        idx = self.ctx.rubric.group_index
        self.support.record(round_, x, {idx[g]: r.accept for g, r in replies.items()})
        for g, r in replies.items():
            if not r.accept:
                key = (np.asarray(x, dtype=np.int8).tobytes(), idx[g])
                self.objected[key] = self.objected.get(key, 0) + 1
        stale = sorted({x for (x, _), n in self.objected.items() if n >= 2})
        self._stale_rows = np.array([np.frombuffer(b, dtype=np.int8) for b in stale]) if stale else None
        self._stale_groups = np.array([[self.objected.get((b, g), 0) >= 2 for g in range(len(idx))]
                                       for b in stale]) if stale else None

    def _share(self, X: np.ndarray) -> np.ndarray:
        return shares(self.know.utilities(X), self.know.d, self.know.ideals)

    def _share_low(self, X: np.ndarray) -> np.ndarray:
        """Shares on the scale up to the highest plausible best utility: what objections are read on (agents.support)."""
        return shares(self.know.utilities(X), self.know.d, self.know.ideals_high)

    def _kept(self, X: np.ndarray) -> np.ndarray:
        return self.know.red_lines_ok(X, self.know.utilities(X))

    def _credibility(self, round_: int, x: np.ndarray, replies: dict[str, Reply]) -> dict[int, float]:
        """Per group, how far its stated reservation agrees with its binding decisions (agents.support.credibility)."""
        low, high = self.support.bounds(self._share, self._kept, self._share_low)
        q0, idx = self.support.concession(round_), self.ctx.rubric.group_index
        out = {}
        for gid, r in replies.items():
            if r.reservation is not None:
                g = idx[gid]
                stated = (r.reservation - self.know.d[g]) / max(self.know.ideals[g] - self.know.d[g], 1e-9)
                out[g] = credibility(float(stated), low[g], high[g], q0)
        return out

    def _thresholds(self, x: np.ndarray, replies: dict[str, Reply],
                    objections: dict[str, Reply]) -> np.ndarray:
        """Utility each group is predicted to need in the next draft.

        Private: the public concession model fitted to the group's binding decisions
        (agents.support); full information: the stated reservation, else inferred.
        """
        if self.support is not None:
            know = self.know
            need = self.support.needs(self.heard, self.support.floors(self._share, self._kept, self._share_low))
            return know.d + need * (know.ideals - know.d) - TOL
        rub = self.ctx.rubric
        ux = self.know.utilities(x)
        thr = ux - TOL
        for gid, reply in replies.items():
            g = rub.group_index[gid]
            if reply.reservation is not None:
                thr[g] = reply.reservation - TOL
            elif not reply.accept:
                v = self.values[g]
                gains = [float(v @ y - v @ x) for a in reply.amendments
                         if (y := self._apply(x, (a,))) is not None]
                thr[g] = ux[g] + max([TOL] + [0.5 * gn for gn in gains])
        return thr

    def _rank(self, C: np.ndarray, x: np.ndarray, thr: np.ndarray) -> np.ndarray:
        """Candidate indices best first, by the one ranking rule (agents.ranking.rank).

        A group is predicted to accept a candidate that keeps its (stated) red lines and reaches
        its threshold; predicted agreement applies the acceptance rule and vetoes to them.
        """
        U = self.know.utilities(C)
        lines = self.know.red_lines_ok(C, U)
        accepts = lines & (U >= thr)
        return rank(Assessment(
            utilities=U, accepts=accepts, passes=self.know.passes(accepts), objective=self._objective(U),
            kept=lines.all(axis=1) if self.know.private else np.ones(len(C), dtype=bool),
            allowed=U.sum(axis=1) >= self.floor_total - TOL,
            fresh=~self._was_tabled(C) | (C == x).all(axis=1), stale=self._stale(C, U)),
            last_round=self._round >= self.ctx.max_rounds, standing=self.standing)

    def _stale(self, C: np.ndarray, U: np.ndarray | None = None) -> np.ndarray:
        """(n,) grade of the twice-made objections against each candidate (agents.ranking: 0 none stands).

        A belief that learns from decisions grades whether the objection is addressed (`unaddressed`,
        on the objectors' believed utilities only); otherwise a twice-refused draft is 1, any other 0.
        """
        T = self._stale_rows
        if T is None:
            return np.zeros(len(C), dtype=int)
        if self.know.private and self.beliefs.decisions:
            cols = self._stale_groups.any(axis=0)
            U = self.know.utilities(C) if U is None else U
            return unaddressed(U[:, cols], self.know.utilities(T)[:, cols], self._stale_groups[:, cols])
        return self._refused(C).astype(int)

    def _refused(self, C: np.ndarray) -> np.ndarray:
        """(n,) bool: the candidate is a draft some group objected to twice (what search sets aside)."""
        T = self._stale_rows
        return np.zeros(len(C), dtype=bool) if T is None else _rows_in(C, T)

    def _was_tabled(self, C: np.ndarray) -> np.ndarray:
        """(n,) whether each candidate was tabled before (vectorised over the few tabled drafts)."""
        if not self.tabled:
            return np.zeros(len(C), dtype=bool)
        T = getattr(self, "_tabled_rows", None)
        if T is None or len(T) != len(self.tabled) or T.shape[1] != C.shape[1]:
            T = self._tabled_rows = np.array([np.frombuffer(b, dtype=np.int8) for b in self.tabled])
        return _rows_in(C, T)

    def _objective(self, U: np.ndarray) -> np.ndarray:
        """Strategy objective columns of candidate utilities U (n, G); subclasses may shift it."""
        return objective_matrix(self.name, U, self.know.d, self.know.ideals)


def objective_matrix(strategy: str, U: np.ndarray, d: np.ndarray, ideal: np.ndarray) -> np.ndarray:
    """The strategy's objective columns (sim.search.objectives.keys) as an (n, m) matrix, rounded for ties."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown mediator strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    return np.round(np.column_stack(objectives.keys(strategy, U, d, ideal)), 9)


def make_rule_mediator(name: str, option: str | None, **options: Any) -> RuleMediator:
    """Registry factory for the rule strategies (``utilitarian``, ..., ``negotiated``)."""
    options.pop("llm", None)
    return RuleMediator(name, **options)


def _rows_in(C: np.ndarray, T: np.ndarray) -> np.ndarray:
    """(n,) whether each package row of C is one of the rows of T (vectorised over the few rows of T)."""
    return (np.asarray(C, dtype=np.int8)[:, None, :] == T[None, :, :]).all(axis=2).any(axis=1)
