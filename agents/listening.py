"""How a mediator under private information turns statements into belief updates.

Each function reads one statement as it was heard (after the group's voice) and adds the
comparisons it reveals to the mediator's beliefs (`agents.beliefs`); stated red lines are
kept as stated, for predicted support. The items a group names (never-list, must-haves, ideal
package, amendments) open a private effect for it in the belief before the comparisons count.
"""

from __future__ import annotations

import numpy as np

from agents.beliefs import level_rows, preference_rows
from agents.knowledge import BeliefKnowledge
from sim.core.ballots import revealed
from sim.core.cache import memo
from sim.core.moves import Amendment, Move
from sim.core.protocol import Reply
from sim.run.votes import stated_vote_packages


def hear_positions(know: BeliefKnowledge, stated: dict[str, Move],
                   ballots: dict[str, tuple[str, ...]] | None = None) -> None:
    """Every group's position, as one belief update.

    Stated priorities move the priors (one redraw); each stated ideal package is preferred to every
    base design and each elicited ballot adds the inequalities it proves (one reweighting); stated
    red lines are kept for predicted support. The packages the one-shot votes would choose from the
    stated ballots join the mediator's candidates (`sim.run.votes.stated_vote_packages`).
    """
    rub, beliefs = know.rubric, know.beliefs
    priorities, revealed, named = {}, {}, {}
    for gid, said in stated.items():
        g = rub.group_index[gid]
        know.stated[g] = said
        items = [*(said.never or ()), *(said.must_have or ())]
        if items:
            named[g] = [rub.item_index[i] for i in items]
        if said.priorities:
            p = dict(said.priorities)
            priorities[g] = np.array([float(p.get(c, 0.0)) for c in rub.criterion_ids])
        if said.package:
            rows = _ideal_rows(know, said.package)
            if rows is not None:
                revealed[g] = rows
    for gid, ids in (ballots or {}).items():
        g = rub.group_index[gid]
        revealed[g] = _joined(revealed.get(g), ballot_rows(know, ids))
    if ballots:
        stated_ballots = {rub.group_index[gid]: tuple(rub.item_index[i] for i in ids) for gid, ids in ballots.items()}
        know.add_candidates(list(stated_vote_packages(rub, know.ctx.protocol.elicitation, stated_ballots).values()))
    beliefs.stated_many(priorities)
    beliefs.named_items(named)
    beliefs.add_many(revealed)


def _ideal_rows(know: BeliefKnowledge, package: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray] | None:
    """A stated ideal package preferred to every other base design, as comparison rows (memoised)."""
    table = memo(know.ctx, f"ideal_rows/{know.beliefs.E.shape[1]}")
    if package not in table:
        ideal = know.rubric.package(list(package))
        others = [x for x in know.base_packages.values() if not np.array_equal(x, ideal)]
        table[package] = preference_rows(know.beliefs.E, np.repeat(ideal[None], len(others), axis=0),
                                         np.array(others)) if others else None
    return table[package]


def decision_rows(know: BeliefKnowledge, support, lines_kept) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """The last round's binding decisions as comparison rows per group (none unless `BeliefSettings.decisions`).

    Objections after accepts: each earlier accepted draft beats the objected one
    (`agents.support.SupportModel.ordered_pairs`); accepts: `accept_rows`.
    """
    if not know.beliefs.s.decisions:
        return {}
    pairs = support.ordered_pairs(lines_kept)
    revealed = {g: preference_rows(know.beliefs.E, better, worse) for g, (better, worse) in pairs.items()}
    if support.packages:
        for g, q0 in support.accepted_last().items():
            revealed[g] = _joined(revealed.get(g), accept_rows(know, g, support.packages[-1], q0))
    return revealed


def accept_rows(know: BeliefKnowledge, g: int, accepted: np.ndarray, q0: float) -> tuple[np.ndarray, np.ndarray]:
    """An accept at public concession q0 as a comparison: u(a) >= q0 u(p) + (1 - q0) d.

    p: the group's believed best package of the pool, d: the disagreement package (both public or
    believed, no private value); binding for silent and speaking groups alike (agents.support).
    """
    best = know.ideal_packages[g]
    worse = q0 * best + (1.0 - q0) * know.disagreement
    return preference_rows(know.beliefs.E, accepted, worse)


def ballot_rows(know: BeliefKnowledge, ids: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """An elicited ballot as comparison rows: what it proves about item values (`sim.core.ballots.revealed`)."""
    fmt = know.ctx.protocol.elicitation
    R, b = revealed(know.rubric, fmt, tuple(know.rubric.item_index[i] for i in ids))
    return R @ know.beliefs.E, b


def _joined(a, b):
    """Two (rows, bounds) blocks as one (either may be None)."""
    if a is None or b is None:
        return a if b is None else b
    return np.vstack([a[0], b[0]]), np.concatenate([a[1], b[1]])


def amended(rub, x: np.ndarray, a: Amendment) -> np.ndarray:
    """The draft with one amendment applied as asked (before any repair)."""
    y = np.array(x, dtype=np.int8)
    y[rub.item_index[a.item]] = 0 if a.op == "drop" else 1
    if a.op == "swap" and a.other is not None:
        y[rub.item_index[a.other]] = 0
    return y


def hear_replies(know: BeliefKnowledge, replies: dict[str, Reply], draft: np.ndarray,
                 candidates: list[np.ndarray], credible: dict[int, float] | None = None,
                 decided: dict[int, tuple[np.ndarray, np.ndarray]] | None = None,
                 full_demand: bool = False) -> None:
    """Every group's reply to one draft, with its binding decisions (`decision_rows`), as one belief update.

    `credible`: per group, the weight of its stated reservation (agents.support.credibility; default 1):
    the reservation's comparison row is scaled by it, so a less credible one is a noisier comparison.
    `full_demand`: the public concession model puts every group at its best utility this round (`ideal_rows`).
    """
    revealed, named = {}, {}
    for gid, reply in replies.items():
        g = know.rubric.group_index[gid]
        if reply.amendments:
            named[g] = [know.rubric.item_index[i] for a in reply.amendments
                        for i in (a.item, a.other) if i is not None]
        weight = (credible or {}).get(g, 1.0)
        rows = reply_rows(know, reply, draft, candidates, weight)
        if know.beliefs.s.ideal:
            rows = _joined(rows, ideal_rows(know, g, reply, weight, full_demand))
        if rows is not None:
            revealed[g] = rows
    for g, rows in (decided or {}).items():
        revealed[g] = _joined(revealed.get(g), rows)
    know.beliefs.named_items(named)
    know.beliefs.add_many(revealed)


def ideal_rows(know: BeliefKnowledge, g: int, reply: Reply, credibility: float = 1.0, full_demand: bool = False):
    """A stated reservation with the group's stated ideal package: the ideal is worth at least the reservation.

    Nothing the group can get is worth more to it than its best package, so a reservation above what
    its stated ideal gives it is unreachable; truthful statements never break this row. At full demand
    (the public concession model's first round, agents.support) the reservation *is* the best utility,
    so the ideal is worth at most it too: without that upper bound every statement a group makes
    (accepts, the ideal over the base designs, this row) bounds its values from below, and a Gaussian
    cut through the truth moves its mean away from it (docs/private-information.md, fifth follow-up).
    Scaled by the reservation's credibility like the reservation itself. Only a reservation above every
    earlier one of the group adds a row (a lower one is implied, and counting it again would push the
    belief twice); None without both statements or with nothing new.
    """
    said = know.stated.get(g)
    if reply.reservation is None or said is None or not said.package \
            or reply.reservation <= know.ideal_bounds.get(g, -np.inf):
        return None
    know.ideal_bounds[g] = float(reply.reservation)
    table = memo(know.ctx, f"ideal_level/{know.beliefs.E.shape[1]}")
    if said.package not in table:
        table[said.package] = level_rows(know.beliefs.E, know.rubric.package(list(said.package)), 0.0)[0][0]
    row, level = credibility * table[said.package], credibility * float(reply.reservation)
    if full_demand:
        return np.vstack([row, -row]), np.array([level, -level])
    return row[None], np.array([level])


def reply_rows(know: BeliefKnowledge, reply: Reply, draft: np.ndarray,
               candidates: list[np.ndarray], credibility: float = 1.0) -> tuple[np.ndarray, np.ndarray] | None:
    """An objection's amendments, a stated reservation and a ranking, as comparison rows (None: nothing said).

    The amendment and ranking rows depend only on the draft and the candidates: memoised per public context.
    """
    draft = np.asarray(draft)
    table, key = memo(know.ctx, f"reply_rows/{know.beliefs.E.shape[1]}"), (draft.dtype.str, draft.tobytes())
    parts = []
    if reply.amendments:
        k = key + (reply.amendments,)
        if k not in table:
            better = np.array([amended(know.rubric, draft, a) for a in reply.amendments])
            table[k] = preference_rows(know.beliefs.E, better, np.repeat(draft[None], len(better), axis=0))
        parts.append(table[k])
    if reply.reservation is not None:
        k = key + ("level",)
        if k not in table:
            table[k] = level_rows(know.beliefs.E, draft, 0.0)[0]
        row = table[k]
        level = float(reply.reservation)
        sign = credibility if reply.accept else -credibility
        parts.append((sign * row, np.array([sign * level])))
    if reply.ranking and len(candidates) == len(reply.ranking):
        k = key + (reply.ranking, tuple(np.asarray(c).tobytes() for c in candidates))
        if k not in table:
            ordered = np.array([candidates[i] for i in reply.ranking])
            table[k] = preference_rows(know.beliefs.E, ordered[:-1], ordered[1:])
        parts.append(table[k])
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return np.vstack([a for a, _ in parts]), np.concatenate([b for _, b in parts])
