"""How a mediator under private information turns statements into belief updates.

Each function reads one statement as it was heard (after the group's voice) and adds the
comparisons it reveals to the mediator's beliefs (`agents.beliefs`); stated red lines are
kept as stated, for predicted support.
"""

from __future__ import annotations

import numpy as np

from agents.knowledge import BeliefKnowledge
from sim.core.moves import Amendment, Move
from sim.core.protocol import Reply


def hear_position(know: BeliefKnowledge, g: int, said: Move) -> None:
    """Stated priorities move the prior; the stated ideal package is preferred to every base design."""
    rub, beliefs = know.rubric, know.beliefs
    know.stated[g] = said
    if said.priorities:
        p = dict(said.priorities)
        beliefs.stated_priorities(g, np.array([float(p.get(c, 0.0)) for c in rub.criterion_ids]))
    if said.package:
        ideal = rub.package(list(said.package))
        others = [x for x in know.base_packages.values() if not np.array_equal(x, ideal)]
        if others:
            beliefs.prefers(g, np.repeat(ideal[None], len(others), axis=0), np.array(others))


def amended(rub, x: np.ndarray, a: Amendment) -> np.ndarray:
    """The draft with one amendment applied as asked (before any repair)."""
    y = np.array(x, dtype=np.int8)
    y[rub.item_index[a.item]] = 0 if a.op == "drop" else 1
    if a.op == "swap" and a.other is not None:
        y[rub.item_index[a.other]] = 0
    return y


def hear_reply(know: BeliefKnowledge, g: int, reply: Reply, draft: np.ndarray,
               candidates: list[np.ndarray]) -> None:
    """An objection's amendments, a stated reservation and a ranking, each as revealed comparisons."""
    rub, beliefs = know.rubric, know.beliefs
    if reply.amendments:
        better = np.array([amended(rub, draft, a) for a in reply.amendments])
        beliefs.prefers(g, better, np.repeat(np.asarray(draft)[None], len(better), axis=0))
    if reply.reservation is not None:
        beliefs.at_least(g, draft, float(reply.reservation), below=not reply.accept)
    if reply.ranking and len(candidates) == len(reply.ranking):
        ordered = np.array([candidates[i] for i in reply.ranking])
        beliefs.prefers(g, ordered[:-1], ordered[1:])
