"""Agents with memory across budget cycles.

Stakeholders that reciprocate and lose trust, and a mediator that reads the fairness ledger.

The engine (`sim.run.cycles`) keeps the numbers (ledger, last period's utilities, trust) and
hands them in as a `PeriodMemory`; how they change behaviour lives here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.heuristic import HeuristicStakeholder
from agents.mediators import RuleMediator, objective_matrix
from sim.core.context import NegotiationContext
from sim.core.periods import PeriodMemory

RECIPROCITY = 0.6      # how strongly last period's relative gain speeds up concession


@dataclass
class MemoryStakeholder(HeuristicStakeholder):
    """A heuristic stakeholder whose concession speed depends on the past periods.

    Reciprocity: a group that gained more than the others (last period and in the ledger)
    concedes sooner (beta grows); one that lost holds out. Trust in [0, 1] falls when a
    veto blocked a deal; low trust slows concession (beta shrinks).
    """

    memory: PeriodMemory | None = None

    def reset(self, ctx: NegotiationContext, rng: np.random.Generator) -> None:
        """Reset as a heuristic stakeholder, then scale the concession speed by reciprocity and trust from past periods."""
        super().reset(ctx, rng)
        m = self.memory
        if m is None or m.period == 0:
            return
        g = self.g
        z = 0.5 * relative_gain(np.asarray(m.last), g) + 0.5 * relative_gain(np.asarray(m.ledger), g)
        self.beta *= float(np.exp(RECIPROCITY * z)) * max(m.trust, 0.1)


def relative_gain(u: np.ndarray, g: int) -> float:
    """How far group g is above the mean of the others, in units of the mean magnitude, clipped."""
    if u.size < 2:
        return 0.0
    others = np.delete(u, g)
    scale = max(float(np.abs(u).mean()), 1e-9)
    return float(np.clip((u[g] - others.mean()) / scale, -1.0, 1.0))


@dataclass
class LedgerMediator(RuleMediator):
    """A mediator strategy applied to cumulative utilities (ledger + this period's).

    With `maximin` or `negotiated` it compensates the group worst off so far: among
    revisions with equal predicted support it prefers the one that lifts the cumulative
    worst group. It opens like the ledger-blind strategy: opening with the pool package best on the
    cumulative maximin (even keeping red lines and total) lowered the cumulative worst
    group on montreal_streets (stay), as greedy per-period compensation can.
    """

    ledger: tuple[float, ...] | None = None

    def _offset(self) -> np.ndarray:
        G = self.ctx.rubric.n_groups
        return np.zeros(G) if self.ledger is None else np.asarray(self.ledger, dtype=float)

    def _objective(self, U: np.ndarray) -> np.ndarray:
        L = self._offset()
        return objective_matrix(self.name, U + L, self.know.d + L, self.know.ideals + L)


def make_memory_stakeholder(group_id: str, option: str | None, **options: Any) -> MemoryStakeholder:
    """Registry factory for ``memory[:CURVE]``."""
    return MemoryStakeholder(group_id, curve=option or options.pop("curve", "boulware"), **options)


def make_ledger_mediator(name: str, option: str | None, **options: Any) -> LedgerMediator:
    """Registry factory for ``ledger[:STRATEGY]`` (default maximin)."""
    return LedgerMediator(option or "maximin", **options)
