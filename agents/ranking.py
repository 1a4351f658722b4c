"""Which candidate draft the rule mediator tables: the ranking rule, in one place.

A neutral mediator does not buy a quorum by dropping the worst-off group. Candidates are
ordered by, most important first: every (stated) red line kept, no group objected to it twice,
at or above the `negotiated` floor, predicted agreement that keeps the believed worst-off group
on board (a passing quorum that leaves it out counts as agreement only in the last round, when
the alternative is no agreement), predicted support, not tabled before, then the strategy
objective; ties keep the candidates' order. In the last round, too, a draft some group objected to
twice counts as new when it is predicted to pass: the rule that such a group gets a different draft
stops re-tabling a draft that will be refused again, and the public concession model says demands
have fallen to their floors by then (without it, silent groups' twice-refused drafts were all set
aside and the last draft was one the mediator itself predicted to fail: docs/private-information.md,
seventh follow-up). So inclusive candidates (every group predicted to
accept: the most support) come first, and among them the strategy objective decides once the
tabled ones are behind.

Under a belief that learns from binding decisions (`BeliefSettings.decisions`) "a different draft" is
one that addresses the objection: `unaddressed` grades each candidate (0: every group that objected
twice to a draft is believed strictly better off than under it; 1: none worse off, the twice-refused
draft itself included; 2: some such group worse off) and the grade is the second key. Under a belief
that learns nothing from decisions the mediator cannot tell what would address an objection, so the
grade is 1 for a twice-refused draft and 0 for any other (docs/private-information.md, sixth and
eighth follow-ups: there the graded rule froze park_renovation). The grade orders the candidates only:
the exact search (agents.drafting) still sets aside just the twice-refused drafts themselves (searching
for a draft that addresses every objection ran the full enumeration in most rounds on montreal_streets,
about 5x the CPU, and mostly found none).

Under a unanimous acceptance rule every passing candidate is inclusive, so the order is the
one the mediator used before this rule (predicted agreement, support, fresh, objective); only
quorum and majority rules change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["STANDING", "Assessment", "leaves_out_worst_off", "rank", "unaddressed", "worst_off"]

TOL = 1e-9


@dataclass(frozen=True)
class Assessment:
    """What the mediator predicts of n candidate drafts (one row each)."""

    utilities: np.ndarray   # (n, G) believed (or, under full information, true) utilities
    accepts: np.ndarray     # (n, G) whether each group is predicted to accept
    passes: np.ndarray      # (n,) predicted accepts satisfy the acceptance rule and vetoes
    objective: np.ndarray   # (n, m) strategy objective columns, higher is better, first decides
    kept: np.ndarray        # (n,) every (stated) red line kept
    allowed: np.ndarray     # (n,) at or above the `negotiated` floor on total
    fresh: np.ndarray       # (n,) not tabled before (or the current draft itself)
    stale: np.ndarray       # (n,) int grade (`unaddressed`; bool works): 0 when no twice-made objection stands against it


def worst_off(U: np.ndarray) -> np.ndarray:
    """(n, G) whether each group is (tied) lowest in believed utility under each candidate."""
    U = np.atleast_2d(np.asarray(U, dtype=float))
    return U <= U.min(axis=1, keepdims=True) + TOL


def leaves_out_worst_off(U: np.ndarray, accepts: np.ndarray) -> np.ndarray:
    """(n,) whether some worst-off group of the candidate is predicted to object to it."""
    return (worst_off(U) & ~np.asarray(accepts, dtype=bool)).any(axis=1)


def unaddressed(U: np.ndarray, objected_U: np.ndarray, objectors: np.ndarray) -> np.ndarray:
    """(n,) how far each candidate falls short of the objections made twice to earlier drafts.

    `U` (n, G) the candidates' believed utilities; `objected_U` (t, G) those of the t drafts some group
    objected to twice; `objectors` (t, G) which groups did. 0: every such group is strictly better off
    than under the draft it objected to; 1: none is worse off (so the twice-refused draft itself is 1);
    2: some is worse off.
    """
    U = np.atleast_2d(np.asarray(U, dtype=float))
    if not len(objected_U):
        return np.zeros(len(U), dtype=int)
    worse, not_better = np.zeros(len(U), dtype=bool), np.zeros(len(U), dtype=bool)
    for u, who in zip(np.asarray(objected_U, dtype=float), np.asarray(objectors, dtype=bool)):
        diff = U[:, who] - u[who]          # one refused draft at a time: no (n, t, G) array
        worse |= (diff < -TOL).any(axis=1)
        not_better |= (diff <= TOL).any(axis=1)
    return np.where(worse, 2, np.where(not_better, 1, 0))


# How predicted support counts in a round before the last where no candidate is predicted to pass (an option,
# off by default; docs/private-information.md, fourteenth follow-up): "" support before the objective (the default);
# "objective" the objective before support; "worst" support counted among each candidate's believed worst-off
# groups only; "slack" support within one acceptor of the most counts as the most, so the objective decides;
# "coarse" the first objective column in steps of COARSE before support (small belief shifts do not reorder).
STANDING = ("", "objective", "worst", "slack", "coarse")
COARSE = 0.5      # utility units; declared before measuring, not tuned


def _support(a: Assessment, standing: str, count: np.ndarray, obj: np.ndarray) -> np.ndarray:
    """(n,) the predicted-support key: `count` (predicted acceptors per candidate), or its `standing` variant."""
    if not standing:
        return count
    if standing == "worst":
        return (worst_off(a.utilities) & a.accepts).sum(axis=1)
    if standing == "slack":
        return np.minimum(count, count.max() - 1)
    if standing == "coarse":
        return np.floor(obj[:, 0] / COARSE + TOL)
    return np.zeros_like(count)          # "objective": support ranks after it (below)


def rank(a: Assessment, last_round: bool = False, standing: str = "") -> np.ndarray:
    """Candidate indices, best first (see the module docstring for the order); stable."""
    n = len(a.passes)
    fair = a.passes & (last_round | ~leaves_out_worst_off(a.utilities, a.accepts))
    standing = "" if last_round or a.passes.any() else standing   # the last round: agreement or none
    count = a.accepts.sum(axis=1)
    obj = np.atleast_2d(a.objective).reshape(n, -1)
    keys = [np.arange(n)[::-1] * 1.0]
    if standing == "objective":
        keys += [count]                     # predicted support only breaks the objective's ties
    keys += [obj[:, j] for j in range(obj.shape[1])][::-1]
    if standing == "coarse":
        keys += [count]                     # predicted support breaks the coarse objective's ties
    grade = np.where(last_round & a.passes, 0, np.asarray(a.stale, dtype=int))  # last round: passing beats none
    keys += [a.fresh, _support(a, standing, count, obj), fair, a.allowed, -grade, a.kept]
    return np.lexsort(keys)[::-1]
