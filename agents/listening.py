"""How a mediator under private information turns statements into belief updates.

Each function reads one statement as it was heard (after the group's voice) and adds the
comparisons it reveals to the mediator's beliefs (`agents.beliefs`); stated red lines are
kept as stated, for predicted support.
"""

from __future__ import annotations

import numpy as np

from agents.beliefs import level_rows, preference_rows
from agents.knowledge import BeliefKnowledge
from sim.core.moves import Amendment, Move
from sim.core.protocol import Reply


def hear_positions(know: BeliefKnowledge, stated: dict[str, Move]) -> None:
    """Every group's position, as one belief update.

    Stated priorities move the priors (one redraw); each stated ideal package is preferred to every
    base design (one reweighting); stated red lines are kept for predicted support.
    """
    rub, beliefs = know.rubric, know.beliefs
    priorities, revealed = {}, {}
    for gid, said in stated.items():
        g = rub.group_index[gid]
        know.stated[g] = said
        if said.priorities:
            p = dict(said.priorities)
            priorities[g] = np.array([float(p.get(c, 0.0)) for c in rub.criterion_ids])
        if said.package:
            ideal = rub.package(list(said.package))
            others = [x for x in know.base_packages.values() if not np.array_equal(x, ideal)]
            if others:
                revealed[g] = preference_rows(beliefs.E, np.repeat(ideal[None], len(others), axis=0),
                                              np.array(others))
    beliefs.stated_many(priorities)
    beliefs.add_many(revealed)


def amended(rub, x: np.ndarray, a: Amendment) -> np.ndarray:
    """The draft with one amendment applied as asked (before any repair)."""
    y = np.array(x, dtype=np.int8)
    y[rub.item_index[a.item]] = 0 if a.op == "drop" else 1
    if a.op == "swap" and a.other is not None:
        y[rub.item_index[a.other]] = 0
    return y


def hear_replies(know: BeliefKnowledge, replies: dict[str, Reply], draft: np.ndarray,
                 candidates: list[np.ndarray]) -> None:
    """Every group's reply to one draft, as one vectorised belief update."""
    revealed = {}
    for gid, reply in replies.items():
        g = know.rubric.group_index[gid]
        rows = reply_rows(know, reply, draft, candidates)
        if rows is not None:
            revealed[g] = rows
    know.beliefs.add_many(revealed)


def reply_rows(know: BeliefKnowledge, reply: Reply, draft: np.ndarray,
               candidates: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """An objection's amendments, a stated reservation and a ranking, as comparison rows (None: nothing said)."""
    rub, beliefs = know.rubric, know.beliefs
    parts = []
    if reply.amendments:
        better = np.array([amended(rub, draft, a) for a in reply.amendments])
        parts.append(preference_rows(beliefs.E, better, np.repeat(np.asarray(draft)[None], len(better), axis=0)))
    if reply.reservation is not None:
        parts.append(level_rows(beliefs.E, draft, float(reply.reservation), below=not reply.accept))
    if reply.ranking and len(candidates) == len(reply.ranking):
        ordered = np.array([candidates[i] for i in reply.ranking])
        parts.append(preference_rows(beliefs.E, ordered[:-1], ordered[1:]))
    if not parts:
        return None
    return np.vstack([a for a, _ in parts]), np.concatenate([b for _, b in parts])
