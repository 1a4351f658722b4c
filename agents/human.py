"""A person in a group's seat: answers come from a queue or a script, the engine checks them as any agent's.

Registered as the stakeholder kind ``human`` (``human:FILE`` reads a JSON list of answers).
Answers are transcript-shaped rows (`{"kind": "object", "amendments": ["add:x"], "reason": "..."}`)
or `Move`s. In round 0 the engine states the group's position, as for every agent. When the
queue is empty at a later round the seat raises `AwaitingHuman`, which a live front end (the
dashboard's Play page) catches to ask the person, then replays the run with one more answer:
the run is a pure function of the seed and the answers so far.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.context import NegotiationContext
from sim.core.errors import NegsimError
from sim.core.moves import Move, move_from_row
from sim.core.protocol import PublicState

__all__ = ["AwaitingHuman", "HumanStakeholder", "make_human"]


class AwaitingHuman(NegsimError):
    """The human seat has no answer yet for this round (a front end asks the person)."""

    def __init__(self, group_id: str, round_: int, draft: list[str], transcript: list[dict]) -> None:
        super().__init__(f"{group_id}: the human seat needs an answer for round {round_}")
        self.group_id, self.round, self.draft, self.transcript = group_id, round_, draft, transcript


@dataclass
class HumanStakeholder:
    """A group's seat taken by a person; `script` holds the answers given so far, in order."""

    group_id: str
    script: list[Any] = field(default_factory=list)

    def reset(self, ctx: NegotiationContext, rng: np.random.Generator) -> None:
        """Start again from the first scripted answer (a person has no randomness to draw)."""
        self.ctx = ctx
        self.queue: deque = deque(self.script)

    def extend(self, answers) -> None:
        """Add answers to the script (and to the queue of a negotiation under way)."""
        answers = list(answers)
        self.script.extend(answers)
        if hasattr(self, "queue"):
            self.queue.extend(answers)

    def act(self, state: PublicState) -> Move:
        """Round 0: the engine states the position; later: the next answer, or AwaitingHuman."""
        if state.round == 0:
            return Move("position", reason="position stated by the engine for the human seat",
                        meta={"human": True})
        if not self.queue:
            draft = self.ctx.rubric.ids(state.draft) if state.draft is not None else []
            raise AwaitingHuman(self.group_id, state.round, draft, [dict(r) for r in state.transcript])
        answer = self.queue.popleft()
        move = answer if isinstance(answer, Move) else move_from_row(answer)
        if move.kind not in ("accept", "object"):
            raise ValueError(f"{self.group_id}: a human answer must be accept or object, not {move.kind}")
        return Move(move.kind, (), move.amendments, move.reason or f"{move.kind}s (human seat)",
                    move.reservation, {**move.meta, "human": True})


def make_human(group_id: str, option: str | None, **options: Any) -> HumanStakeholder:
    """Registry factory for ``human`` (empty queue) and ``human:FILE`` (a JSON list of answers)."""
    script = list(options.pop("answers", []) or [])
    if option:
        path = Path(option)
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise NegsimError(f"{path}: (file): cannot read the human answers ({err}); "
                              f"fix: a JSON list such as [{{\"kind\": \"accept\"}}]") from None
        if not isinstance(loaded, list):
            raise NegsimError(f"{path}: (top level): not a list; fix: a JSON list of answers")
        script = loaded + script
    return HumanStakeholder(group_id, script)
