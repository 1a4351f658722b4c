"""The protocols the engine calls: every stakeholder and mediator, rule-based or LLM.

Agents see the engine's NegotiationContext (rubric, ideals, disagreement point) and the
public state of the env, and answer with a `sim.core.moves.Move`. Randomness comes only from
the generator handed to `reset`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from sim.core.context import NegotiationContext
from sim.core.moves import Move
from sim.core.protocol import PublicState


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

    def reset(self, ctx: NegotiationContext, rng: np.random.Generator) -> None:
        """Prepare for a negotiation; `rng` is the agent's only source of randomness."""

    def act(self, state: PublicState) -> Move:
        """The rubric's publication in round 0, then a draft every round."""
