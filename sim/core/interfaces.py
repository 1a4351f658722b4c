"""The protocols the engine calls: every stakeholder and mediator, rule-based or LLM.

Stakeholders see the engine's NegotiationContext (rubric, ideals, disagreement point); a
mediator sees it under `information: full` and only the `PublicContext` under `private`.
Both act on the public state of the env and answer with a `sim.core.moves.Move`.
Randomness comes only from the generator handed to `reset`. A mediator may also implement
`BelievedUtilities`, which the engine reads for the run's `benchmark.belief_error`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from sim.core.context import NegotiationContext
from sim.core.moves import Move
from sim.core.protocol import PublicState
from sim.core.views import PublicContext


@runtime_checkable
class Stakeholder(Protocol):
    """Speaks for one group: states a position in round 0, then accepts or objects."""

    group_id: str

    def reset(self, ctx: NegotiationContext, rng: np.random.Generator) -> None:
        """Prepare for a negotiation; `rng` is the agent's only source of randomness."""

    def act(self, state: PublicState) -> Move:
        """The position in round 0, then an accept or an objection to each draft."""


@runtime_checkable
class Mediator(Protocol):
    """Publishes the rubric in round 0, then tables one feasible draft per round."""

    name: str

    def reset(self, ctx: NegotiationContext | PublicContext, rng: np.random.Generator) -> None:
        """Prepare for a negotiation (the public view under private information); `rng` is its only randomness."""

    def act(self, state: PublicState) -> Move:
        """The rubric's publication in round 0, then a draft every round."""


@runtime_checkable
class BelievedUtilities(Protocol):
    """Optional for a mediator: what it believes each group gets from a package."""

    def believed_utilities(self, packages: np.ndarray, round: int | None = None) -> np.ndarray:
        """(n, G) believed utilities of packages (n, K): now, or as believed before round `round` (0: the prior)."""
