"""One-shot ballots of the participatory-budgeting literature: how a voter casts one, what one reveals.

A ballot is cast from the voter's item values v (Benade et al. 2017; Goel et al. 2019):

- `threshold[:T]`: approve every item worth at least T and more than 0 (default T: the voter's
  mean item value);
- `knapsack`: the voter's best feasible package within the budget (exact search);
- `value_rank` / `vfm_rank`: the items worth more than 0, ranked by value / value per unit of cost;
- `approve:K`: the K items of highest positive value;
- `rank:K`: the same K items ranked (a vote format only: as elicitation `rank:K` ranks drafts).

`scores` gives a ballot's implied utilities per item (the vote benchmark sums them), `cast` the
item indices a ballot names (in its order) and `revealed` the linear inequalities R v >= b that a
ballot proves about the values that cast it (a mediator's evidence; every row holds for the true v).
"""

from __future__ import annotations

import numpy as np

from sim.core.cache import owned
from sim.core.elicitation import parse_ballot
from sim.core.rubric import Rubric
from sim.search.exact import ENUM_MAX_ITEMS, enumerate_feasible, feasible_table, optimise
from sim.search.objectives import TIE_TOL

_BLOCK_CELLS = 1 << 22          # feasible packages x voters per block of the batched search (32 MB)


def _one_voter(rub: Rubric, v: np.ndarray) -> Rubric:
    """A rubric with one pseudo-group whose item values are v (the budget and links unchanged).

    `rub` may be public (no value profile): a mediator aggregates stated ballots on it.
    """
    v = v[None, :]
    C = len(rub.criterion_ids)
    return Rubric(rub.item_ids, ("ballots",), rub.criterion_ids, rub.costs, rub.budget, rub.effects, np.ones(1),
                  rub.requires, rub.excludes, weights=np.zeros((1, C)), values=v, unit_values=v,
                  unit_group=np.zeros(1, dtype=np.int64), criterion_values=np.zeros((1, rub.n_items, C)))


def _enum_optima(rub: Rubric, S: np.ndarray) -> np.ndarray:
    """`optimise(one voter, "utilitarian")` for every row of S at once, by enumeration.

    With one voter the utilitarian keys are its summed score twice, so the lexicographic argmax is
    the first feasible package (binary order) within TIE_TOL of the best: `lex_argmax`'s rule,
    taken column-wise over blocks of rows of S (the block bounds memory, not the answer). `rub` may
    be public (no value profile): its feasible packages are then enumerated once and kept on it.
    """
    X = feasible_table(rub)[0] if isinstance(rub, Rubric) else owned(rub, "votes:feasible",
                                                                     lambda: enumerate_feasible(rub))
    Xf = owned(rub, "votes:float_table", lambda: X.astype(np.float64))
    out = np.empty((len(S), rub.n_items), dtype=np.int8)
    step = max(1, _BLOCK_CELLS // max(len(X), 1))
    for start in range(0, len(S), step):
        U = Xf @ S[start:start + step].T
        first = np.argmax(U >= U.max(axis=0) - TIE_TOL, axis=0)
        out[start:start + step] = X[first]
    return out


def linear_optima(rub: Rubric, S: np.ndarray) -> np.ndarray:
    """Per row of S (m, K): the feasible package maximising its summed item scores (exact search).

    Each distinct row is solved once (members of a group often share values); up to the
    enumeration limit in blocks over one feasible table, above it by one MILP per distinct row.
    """
    S = np.atleast_2d(np.asarray(S, dtype=float))
    distinct, back = np.unique(S, axis=0, return_inverse=True)
    if rub.n_items <= ENUM_MAX_ITEMS:
        solved = _enum_optima(rub, distinct)
    else:
        solved = np.array([optimise(_one_voter(rub, s), "utilitarian").package for s in distinct],
                          dtype=np.int8).reshape(len(distinct), rub.n_items)
    return solved[np.asarray(back).reshape(-1)]


def linear_optimum(rub: Rubric, scores: np.ndarray) -> np.ndarray:
    """The feasible package maximising the sum of `scores` over its items (exact utilitarian search)."""
    return linear_optima(rub, scores)[0]


def _borda_rows(order: np.ndarray, positive: np.ndarray, top: np.ndarray) -> np.ndarray:
    """Per row: scores top, top-1, ... 1 for the first `top` items of `order` that are positive."""
    rows = np.arange(len(order))[:, None]
    pos = positive[rows, order]
    rank = np.cumsum(pos, axis=1)                          # 1-based rank among the positive items
    picked = pos & (rank <= top[:, None])
    score = np.zeros(order.shape)
    score[rows, order] = np.where(picked, top[:, None] - rank + 1, 0)
    return score


def scores_many(rub: Rubric, fmt: str, V: np.ndarray) -> np.ndarray:
    """The implied utilities per item (m, K) of voters with item values V (m, K), under format `fmt`."""
    name, option = parse_ballot(fmt)
    V = np.atleast_2d(np.asarray(V, dtype=float))
    K, positive = V.shape[1], V > 0
    if name == "threshold":
        bar = V.mean(axis=1, keepdims=True) if option is None else option
        return ((V >= bar) & positive).astype(float)
    if name == "knapsack":
        return linear_optima(rub, V).astype(float)
    if name in ("value_rank", "vfm_rank"):
        order = np.argsort(-(V if name == "value_rank" else V / rub.costs), axis=1, kind="stable")
        return _borda_rows(order, positive, positive.sum(axis=1))
    top = np.full(len(V), min(int(option), K))
    score = _borda_rows(np.argsort(-V, axis=1, kind="stable"), positive, top)
    return (score > 0).astype(float) if name == "approve" else score


def scores(rub: Rubric, fmt: str, v: np.ndarray) -> np.ndarray:
    """The implied utilities per item of one voter with item values v, under format `fmt`."""
    return scores_many(rub, fmt, np.asarray(v, dtype=float)[None, :])[0]


def named_scores(fmt: str, named: tuple[int, ...], n_items: int) -> np.ndarray:
    """A cast ballot's implied utilities per item from the items it names (the inverse of `cast` for `scores`).

    Approvals (threshold, knapsack, approve:K) score 1 per named item; rankings (value_rank,
    vfm_rank, rank:K) Borda scores len(named) ... 1 in the named order; unnamed items 0.
    """
    name, option = parse_ballot(fmt)
    out = np.zeros(n_items)
    named = list(named)
    if name in ("value_rank", "vfm_rank", "rank"):
        top = len(named) if name != "rank" else min(int(option), len(named))
        out[named[:top]] = np.arange(top, 0, -1, dtype=float)
    else:
        out[named] = 1.0
    return out


def cast(rub: Rubric, fmt: str, v: np.ndarray) -> tuple[int, ...]:
    """The items a ballot names, in its order (best first for rankings; index order for approvals)."""
    s = scores(rub, fmt, v)
    return tuple(int(k) for k in np.argsort(-s, kind="stable") if s[k] > 0)


def revealed(rub: Rubric, fmt: str, named: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Rows R (m, K) and bounds b (m,) with R v >= b for every v that casts this ballot (see the module doc)."""
    name, option = parse_ballot(fmt)
    K, named = rub.n_items, list(named)
    eye, rest = np.eye(K), [k for k in range(K) if k not in set(named)]
    if name == "knapsack":                               # the package beats each feasible one-item change
        x = np.zeros(K, dtype=np.int8)
        x[named] = 1
        R = np.array([x - y for y in _neighbours(rub, x)], dtype=float).reshape(-1, K)
        return R, np.zeros(len(R))
    rows, bounds = [eye[k] for k in named], [0.0] * len(named)          # every named item is worth more than 0
    if name in ("threshold", "approve"):
        rows += [eye[a] - eye[j] for a in named for j in rest]          # an approved item beats every other
        bounds += [0.0] * (len(named) * len(rest))
        if name == "threshold" and option is None:                      # ... and the voter's mean value
            rows += [eye[a] - np.full(K, 1.0 / K) for a in named]
            bounds += [0.0] * len(named)
        elif name == "threshold":                                       # ... and T; the others fall short of T
            rows += [eye[a] for a in named] + [-eye[j] for j in rest]
            bounds += [option] * len(named) + [-option] * len(rest)
        elif len(named) < int(option):                                  # fewer than K approved: no other is positive
            rows += [-eye[j] for j in rest]
            bounds += [0.0] * len(rest)
    else:                                                               # consecutive ranks, in value (per unit cost)
        pace = np.ones(K) if name == "value_rank" else rub.costs.mean() / rub.costs
        rows += [pace[a] * eye[a] - pace[b] * eye[b] for a, b in zip(named, named[1:])]
        rows += [-eye[j] for j in rest]                                 # unranked items are worth at most 0
        bounds += [0.0] * (max(len(named) - 1, 0) + len(rest))
    return np.array(rows, dtype=float).reshape(-1, K), np.array(bounds, dtype=float)


def _neighbours(rub: Rubric, x: np.ndarray) -> list[np.ndarray]:
    """Feasible packages one item away from x (the knapsack ballot is worth at least each of them)."""
    out = []
    for k in range(rub.n_items):
        y = x.copy()
        y[k] = 1 - y[k]
        if rub.feasible(y):
            out.append(y)
    return out
