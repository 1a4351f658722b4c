"""Rule-based stakeholders: time- or behaviour-dependent concession from the ideal towards the floor.

The reservation level at round t of T is `ideal - f(t) * (ideal - floor)` with
`f(t) = (t / T) ** (1 / beta)` (Faratin et al. 1998): beta < 1 is Boulware (holds out),
beta = 1 linear, beta > 1 conceder. `tit_for_tat` is behaviour-dependent, as NegMAS's naive
tit-for-tat: it lowers its reservation by what the others conceded to it last round (the rise
of its utility from the previous draft to this one), never below the floor. The floor is
the disagreement utility raised to the group's `min_utility` red line. Objections request
the amendments that raise the group's utility most per unit of cost.

In round 0 the stakeholder states its true position (priorities, best feasible package, red
lines); it ranks candidate drafts by its true utility. What the mediator hears is then
shaped by the group's voice (`sim.core.voice`), applied by the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.core.cache import memo
from sim.core.context import NegotiationContext
from sim.core.moves import MAX_AMENDMENTS, Amendment, Move
from sim.core.protocol import PublicState
from sim.run.registry import UnknownAgent

CURVES = {"boulware": 0.4, "linear": 1.0, "conceder": 2.5, "tit_for_tat": 1.0}
TIT_FOR_TAT = "tit_for_tat"     # beta is unused; the jitter scales the reciprocity factor instead


@dataclass
class HeuristicStakeholder:
    """A rule-based stakeholder for one group; `curve` names its concession shape."""

    group_id: str
    curve: str = "boulware"
    jitter: float = 0.15

    def reset(self, ctx: NegotiationContext, rng: np.random.Generator) -> None:
        """Read the group's values and draw its concession speed; the floor is the disagreement utility raised to the red line."""
        if self.curve not in CURVES:
            raise ValueError(f"unknown concession curve {self.curve!r}; use one of {sorted(CURVES)}")
        self.ctx, self.rng = ctx, rng
        self.g = ctx.rubric.group_index[self.group_id]
        self.values = ctx.rubric.values[self.g]
        self.beta = CURVES[self.curve] * float(np.exp(rng.normal(0.0, self.jitter)))
        self.ideal = float(ctx.ideals[self.g])
        floor = float(ctx.disagreement_utilities[self.g])
        red = ctx.scenario.groups[self.g].red_lines.min_utility
        self.floor = min(self.ideal, max(floor, red if red is not None else floor))
        self._tft: tuple[int, float, float | None] = (0, self.ideal, None)   # (round, reservation, last utility)
        self._gains_memo = memo(ctx, "stakeholder_gains")

    def reservation(self, round_: int) -> float:
        """Utility this group needs in a draft at round `round_` (1-based; tit_for_tat: as of the last draft seen)."""
        if self.curve == TIT_FOR_TAT:
            return self._tft[1]
        t = min(1.0, max(0.0, (round_ - 1) / max(1, self.ctx.max_rounds - 1)))
        return self.ideal - (t ** (1.0 / self.beta)) * (self.ideal - self.floor)

    def _reciprocate(self, round_: int, u: float) -> None:
        """Tit for tat: concede (beta times) what the last draft change gave this group, once per round."""
        last_round, r, last_u = self._tft
        if round_ == last_round:
            return
        if last_u is not None and u > last_u:
            r = max(self.floor, r - self.beta * (u - last_u))
        self._tft = (round_, r, u)

    def act(self, state: PublicState) -> Move:
        """State the position in round 0; then accept a draft that meets the reservation and red lines.

        Otherwise object, asking for the amendments that help this group most per unit of cost.
        """
        if state.round == 0:
            return self.position()
        x = state.draft
        u = float(self.values @ x)
        if self.curve == TIT_FOR_TAT:
            self._reciprocate(state.round, u)
        r = self.reservation(state.round)
        ranking = self.ranking(state.candidates)
        broken = self.ctx.red_lines_broken(self.g, x)
        if not broken and u >= r - 1e-9:
            return Move("accept", reason=f"utility {u:.2f} meets my reservation {r:.2f}",
                        reservation=r, ranking=ranking)
        amendments = self.amendments(x)
        why = "; ".join(broken) if broken else f"utility {u:.2f} below my reservation {r:.2f}"
        asks = ", ".join(str(a) for a in amendments) or "no single change helps"
        return Move("object", amendments=amendments, reason=f"{why}; asking {asks}", reservation=r,
                    ranking=ranking)

    def position(self) -> Move:
        """The true position: priorities over criteria, best feasible package, red lines."""
        rub = self.ctx.rubric
        lines = self.ctx.scenario.groups[self.g].red_lines
        return Move("position", package=tuple(rub.ids(self.ctx.ideal_package(self.g))),
                    reason=self._position_text(),
                    priorities=tuple((c, round(float(w), 9)) for c, w in zip(rub.criterion_ids, rub.weights[self.g])),
                    must_have=tuple(lines.must_have), never=tuple(lines.never), min_utility=lines.min_utility)

    def ranking(self, candidates: list[np.ndarray]) -> tuple[int, ...]:
        """The candidate drafts by true utility, best first (ties: the earlier candidate first)."""
        if not candidates:
            return ()
        u = np.array([float(self.values @ c) for c in candidates])
        return tuple(int(i) for i in np.lexsort((np.arange(len(u)), -np.round(u, 9))))

    def _position_text(self) -> str:
        lines = self.ctx.scenario.groups[self.g].red_lines
        parts = [f"best feasible utility {self.ideal:.2f}"]
        if lines.must_have:
            parts.append("must have " + ", ".join(lines.must_have))
        if lines.never:
            parts.append("never " + ", ".join(lines.never))
        if lines.min_utility is not None:
            parts.append(f"at least {lines.min_utility:g}")
        return "; ".join(parts)

    def amendments(self, x: np.ndarray) -> tuple[Amendment, ...]:
        """Up to MAX_AMENDMENTS distinct changes ranked by utility gain per unit of cost."""
        ranked = sorted(self._candidates(x), key=lambda c: (-c[0], c[1]))
        chosen: list[Amendment] = []
        used: set[str] = set()
        for _, _, a in ranked:
            touched = {a.item, a.other} - {None}
            if touched & used:
                continue
            chosen.append(a)
            used |= touched
            if len(chosen) == MAX_AMENDMENTS:
                break
        return tuple(chosen)

    def ranked_amendments(self, x: np.ndarray) -> list[tuple[float, Amendment]]:
        """Every amendment this agent considers on draft x with its value (see `amendment_value`)."""
        return [(p, a) for p, _, a in self._candidates(x)]

    def amendment_value(self, x: np.ndarray, a: Amendment) -> float:
        """How this agent values an amendment on draft x, as it ranks its own asks.

        Infinite for a red-line fix, else its own utility gain per unit of cost of the item it adds (or drops).
        """
        rub, v = self.ctx.rubric, self.values
        lines = self.ctx.scenario.groups[self.g].red_lines
        if (a.op != "drop" and a.item in lines.must_have) or (a.op == "drop" and a.item in lines.never):
            return float("inf")
        k = rub.item_index[a.item]
        gain = -v[k] if a.op == "drop" else v[k] - (v[rub.item_index[a.other]] if a.op == "swap" else 0.0)
        scale = max(float(rub.costs.max()), 1.0)
        return float(gain / max(rub.costs[k], 1e-9 * scale) * scale)

    def _candidates(self, x: np.ndarray) -> list[tuple[float, int, Amendment]]:
        """(priority, tie-break, amendment) for red-line fixes, adds, swaps and drops."""
        rub = self.ctx.rubric
        lines = self.ctx.scenario.groups[self.g].red_lines
        tie = self.rng.permutation(rub.n_items).tolist()     # plain ints: the sort key compares them often
        spare = rub.budget - rub.cost(x)
        out: list[tuple[float, int, Amendment]] = []
        for item in lines.must_have:
            k = rub.item_index[item]
            if not x[k]:
                out.append((np.inf, tie[k], self._fit(k, x, spare) or Amendment("add", item)))
        for item in lines.never:
            k = rub.item_index[item]
            if x[k]:
                out.append((np.inf, tie[k], Amendment("drop", item)))
        table, key = self._gains_memo, (self.g, x.tobytes())
        gains = table.get(key)
        if gains is None:
            gains = table[key] = self._gains(x, spare)
        out += [(p, tie[k], a) for p, k, a in gains]
        return out

    def _gains(self, x: np.ndarray, spare: float) -> list[tuple[float, int, Amendment]]:
        """Adds (or swaps when an add does not fit) and drops, priced by gain per unit of cost."""
        v, costs, ids = self.values, self.ctx.rubric.costs, self.ctx.rubric.item_ids
        scale = max(float(costs.max()), 1.0)
        inside = np.flatnonzero(x)
        outside = np.flatnonzero((x == 0) & (v > 0))
        # swap partner of each outside item: the least valued item inside freeing enough room
        order = inside[np.lexsort((inside, -costs[inside], v[inside]))]
        room = costs[order][:, None] >= costs[outside][None, :] - spare - 1e-9
        valid = room & (v[order][:, None] < v[outside][None, :])
        has = valid.any(axis=0)
        partner = order[valid.argmax(axis=0)] if order.size else np.zeros(outside.size, int)
        fits = costs[outside] <= spare + 1e-9
        out = []
        for i, k in enumerate(outside.tolist()):
            if fits[i]:
                a, gain = Amendment("add", ids[k]), v[k]
            elif has[i]:
                j = int(partner[i])
                a, gain = Amendment("swap", ids[k], ids[j]), v[k] - v[j]
            else:
                continue
            out.append((gain / max(costs[k], 1e-9 * scale) * scale, k, a))
        for k in inside[v[inside] < 0].tolist():
            out.append((-v[k] / max(costs[k], 1e-9 * scale) * scale, k, Amendment("drop", ids[k])))
        return out

    def _fit(self, k: int, x: np.ndarray, spare: float) -> Amendment | None:
        """Add item k if it fits; else swap out this group's least valued item that frees room."""
        rub, v = self.ctx.rubric, self.values
        if rub.costs[k] <= spare + 1e-9:
            return Amendment("add", rub.item_ids[k])
        inside = np.flatnonzero(x)
        ok = inside[(rub.costs[inside] >= rub.costs[k] - spare - 1e-9) & (v[inside] < v[k])]
        if not ok.size:
            return None
        j = min(ok.tolist(), key=lambda j: (v[j], -rub.costs[j], j))
        return Amendment("swap", rub.item_ids[k], rub.item_ids[j])


def make_heuristic(group_id: str, option: str | None, **options: Any) -> HeuristicStakeholder:
    """Registry factory for ``heuristic[:CURVE]``."""
    options.pop("llm", None)   # the shared LLM client of mixed lineups is not for rule agents
    curve = option or options.pop("curve", "boulware")
    options.pop("voice", None)
    if curve not in CURVES:
        raise UnknownAgent(f"unknown concession curve '{curve}'; known: {', '.join(sorted(CURVES))}")
    return HeuristicStakeholder(group_id, curve=curve, **options)
