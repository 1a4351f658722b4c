"""What stakeholders remember across budget cycles: the engine keeps it, agents read it.

`sim.run.cycles` fills a `PeriodMemory` at the start of every period; agents
(`agents.memory`) decide what to make of it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PeriodMemory"]


@dataclass(frozen=True)
class PeriodMemory:
    """What the stakeholders and a ledger-aware mediator remember at the start of a period."""

    period: int = 0
    ledger: tuple[float, ...] = ()        # cumulative utility per group so far
    last: tuple[float, ...] = ()          # utilities of the previous period
    trust: float = 1.0
    vetoes: int = 0                       # periods in which a veto blocked a deal
