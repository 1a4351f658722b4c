"""Make any package feasible: add what items require, resolve exclusions, fit the budget.

The budget is enforced here, by code: whatever a mediator (rule-based or LLM) tables,
the env repairs it deterministically and records each change.
"""

from __future__ import annotations

import numpy as np

from sim.core.cache import memo, owned
from sim.core.rubric import EPS

REPAIR_MEMO_MAX = 200_000


def _removal_set(rubric, x: np.ndarray, k: int) -> np.ndarray:
    """Item k plus the items in x that (transitively) require it."""
    dep = rubric.dependants(k)
    return np.concatenate([[k], dep[x[dep] == 1]]).astype(int)


def repair(ctx, x: np.ndarray, protect: frozenset[int] = frozenset(),
           refill_banned: frozenset[int] | None = None) -> tuple[np.ndarray, list[str]]:
    """Return a feasible package close to x and the notes of what changed.

    Item value for choosing what to drop is `ctx.repair_worth`: the unweighted sum of the
    groups' true values for a NegotiationContext, the public prior's for a PublicContext; `protect`
    lists item indices to drop only when nothing else restores feasibility. With
    `refill_banned` given, left-over budget is refilled greedily with items of positive
    total value that are not banned. Results are memoised per context (runs of one
    scenario revisit the same drafts).
    """
    table = memo(ctx, "repair", REPAIR_MEMO_MAX)
    key = (np.asarray(x, dtype=np.int8).tobytes(), protect, refill_banned)
    if key not in table:
        y, notes = _repair(ctx, x, protect, refill_banned)
        y.setflags(write=False)
        table[key] = (y, tuple(notes))
    y, notes = table[key]
    return y.copy(), list(notes)


def _repair(ctx, x: np.ndarray, protect: frozenset[int],
            refill_banned: frozenset[int] | None) -> tuple[np.ndarray, list[str]]:
    rub = ctx.rubric
    y = np.array(x, dtype=np.int8).ravel().copy()
    if y.shape != (rub.n_items,):
        y = np.resize(y, rub.n_items)
    y = (y != 0).astype(np.int8)
    notes: list[str] = []
    closed = rub.closure(y)
    if (closed != y).any():
        notes.append("added required " + ", ".join(rub.ids(closed - y)))
        y = closed
    worth = ctx.repair_worth
    for k, j in rub.excludes:
        if y[k] and y[j]:
            loser = min((k, j), key=lambda i: (i in protect, worth[i], -i))
            gone = _removal_set(rub, y, loser)
            y[gone] = 0
            notes.append(f"dropped {', '.join(rub.item_ids[i] for i in gone)} "
                         f"(excluded by {rub.item_ids[k if loser == j else j]})")
    while rub.cost(y) > rub.budget + EPS:
        k = _cheapest_loss(rub, y, worth, protect)
        gone = _removal_set(rub, y, k)
        y[gone] = 0
        notes.append(f"dropped {', '.join(rub.item_ids[i] for i in gone)} to fit the budget")
    if refill_banned is not None:
        y = refill(rub, y, worth, refill_banned)
    return y, notes


def refill(rub, y: np.ndarray, worth: np.ndarray, banned: frozenset[int]) -> np.ndarray:
    """Greedily add (with what they require) the best value-per-cost items that still fit.

    Each step takes the item with the highest ratio of value to cost added (its closure counted),
    the lowest index among equals. Every candidate is screened at once (`_screen`); only those
    within rounding of the best screened ratio are scored exactly by `_addition`, so the choice is
    the one trying every item in turn would make.
    """
    y = y.copy()
    ban = np.zeros(rub.n_items, dtype=bool)
    ban[list(banned)] = True
    while True:
        ratio = _screen(rub, y, worth, ban)
        best, best_ratio, best_k = None, 0.0, rub.n_items
        for k in np.argsort(-ratio, kind="stable"):
            if not np.isfinite(ratio[k]) or ratio[k] < best_ratio - 1e-9 * max(1.0, abs(best_ratio)):
                break
            found = _addition(rub, y, worth, banned, int(k))
            if found is not None and (found[1] > best_ratio or (found[1] == best_ratio and k < best_k)):
                best, best_ratio, best_k = found[0], found[1], k
        if best is None:
            return y
        y = best


def _closure_rows(rub) -> np.ndarray:
    """(K, K) bool: row k is item k with everything it transitively requires (once per rubric)."""
    return owned(rub, "closure_rows", lambda: np.array(
        [rub.closure(np.eye(rub.n_items, dtype=np.int8)[k]) for k in range(rub.n_items)], dtype=bool))


def _closure_float(rub) -> np.ndarray:
    """`_closure_rows` as 0/1 floats, for sums over every closure in one product (once per rubric)."""
    return owned(rub, "closure_rows_float", lambda: _closure_rows(rub).astype(np.float64))


def _screen(rub, y: np.ndarray, worth: np.ndarray, ban: np.ndarray) -> np.ndarray:
    """(K,) approximate gain-per-cost of adding each item with its closure; -inf where it cannot be added.

    Gain and cost are summed for every closure in one matrix product (rounding differs from the exact
    sum: budget and gain are tested with a small slack); excludes and bans exactly.
    """
    have = y.astype(bool)
    closure, C = _closure_rows(rub), _closure_float(rub)
    gain, cost = C @ np.where(have, 0.0, worth), C @ np.where(have, 0.0, rub.costs)
    ok = ~have & ~ban & (worth > 0) & (C @ (ban & ~have) == 0) & (gain > -1e-9)
    ok &= rub.cost(y) + cost <= rub.budget + EPS + 1e-9 * max(1.0, rub.budget)
    if rub.excludes:
        a, b = np.array(rub.excludes).T
        ok &= ~((closure[:, a] | have[a]) & (closure[:, b] | have[b])).any(axis=1)
    return np.where(ok, gain / np.maximum(cost, 1e-9), -np.inf)


def _addition(rub, y: np.ndarray, worth: np.ndarray, banned: frozenset[int],
              k: int) -> tuple[np.ndarray, float] | None:
    """The package y plus item k and what it requires, and its exact gain per cost; None when not allowed or infeasible."""
    if k in banned or worth[k] <= 0 or y[k]:
        return None
    z = y.copy()
    z[k] = 1
    z = rub.closure(z)
    added = np.flatnonzero(z != y)
    gain = float(worth[added].sum())
    if gain <= 0 or any(int(a) in banned for a in added) or not rub.feasible(z):
        return None
    return z, gain / max(float(rub.costs[added].sum()), 1e-9)


def _cheapest_loss(rub, y: np.ndarray, worth: np.ndarray, protect: frozenset[int]) -> int:
    """The item whose removal (with what requires it) loses the least value per unit of cost freed.

    Key (protected, loss / freed, index), smallest first. Every item in y is screened at once (removal
    sets as columns of the closure rows); only those within rounding of the best screened key are
    scored exactly by `_loss_key`, so the choice is the one scoring every item in turn makes.
    """
    on = np.flatnonzero(y)
    R = _closure_float(rub)[:, on].T * y                   # row i: item on[i] and the items of y requiring it
    freed, loss = R @ rub.costs, R @ worth
    keep = freed > 0
    if not keep.any():         # only zero-cost items left yet over budget: cannot happen with budget > 0
        raise RuntimeError("cannot repair package: no costly item to drop")
    guarded = np.fromiter((int(k) in protect for k in on), dtype=bool, count=on.size)
    keep &= ~guarded if (keep & ~guarded).any() else guarded
    ratio = np.where(keep, loss / np.where(keep, freed, 1.0), np.inf)
    low = ratio.min()
    near = on[ratio <= low + 1e-9 * max(1.0, abs(low))]
    return min(_loss_key(rub, y, worth, protect, int(k)) for k in near)[2]


def _loss_key(rub, y: np.ndarray, worth: np.ndarray, protect: frozenset[int], k: int) -> tuple:
    """(protected, loss per cost freed, k) of dropping item k and what requires it, summed exactly."""
    gone = _removal_set(rub, y, k)
    return (k in protect, float(worth[gone].sum()) / float(rub.costs[gone].sum()), k)
