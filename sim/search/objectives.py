"""Exact objective keys over group utilities, deterministic tie-breaking and local search.

Every search objective is a lexicographic key (higher is better) computed from the
utilities of a batch of packages; the enumeration, the MILP re-scoring and the local
polish all use these same functions, so their scores are comparable.
"""

from __future__ import annotations

import numpy as np

from sim.core.rubric import Rubric

TIE_TOL = 1e-9                 # key values closer than this are ties
POSITIVE_GAIN = 1e-9           # a Nash gain counts as positive above this


OBJECTIVES = ("utilitarian", "maximin", "leximin", "nash", "kalai")


def keys(objective: str, U: np.ndarray, d: np.ndarray, ideal: np.ndarray | None) -> list[np.ndarray]:
    """Lexicographic key columns (higher is better) of each row of utilities U (n, G): the one definition.

    Used by the exact search and by every rule mediator (``negotiated`` ranks as maximin).
    Nash: packages where every group gains (above POSITIVE_GAIN) come first, by the sum of log
    gains; the others after them, by the sum of their losses (the one fallback); then total.
    """
    total, worst = U.sum(axis=1), U.min(axis=1)
    if objective == "utilitarian":
        return [total, worst]
    if objective in ("maximin", "negotiated"):
        return [worst, total]
    if objective == "leximin":
        return list(np.sort(U, axis=1).T)
    if objective == "nash":
        gains = U - d
        positive = gains > POSITIVE_GAIN
        everyone = positive.all(axis=1)
        logs = np.log(np.where(positive, gains, 1.0)).sum(axis=1)
        return [everyone.astype(float), np.where(everyone, logs, np.minimum(gains, 0).sum(axis=1)), total]
    if objective == "kalai":
        span = ideal - d
        active = span > TIE_TOL
        norm = ((U - d)[:, active] / span[active]).min(axis=1) if active.any() else np.zeros(len(U))
        return [norm, total]
    raise ValueError(f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")


def lex_argmax(columns: list[np.ndarray]) -> int:
    """Index of the lexicographically best row; ties within TIE_TOL go to the next key, then lowest index."""
    idx = np.arange(columns[0].shape[0])
    for key in columns:
        values = key[idx]
        idx = idx[values >= values.max() - TIE_TOL]
    return int(idx[0])


def neighbours(rubric: Rubric, x: np.ndarray) -> np.ndarray:
    """Feasible packages one add, drop or swap away from x."""
    on, off = np.flatnonzero(x), np.flatnonzero(x == 0)
    single = x[None, :] ^ np.eye(rubric.n_items, dtype=np.int8)
    swaps = np.repeat(x[None, :], on.size * off.size, axis=0)
    rows = np.arange(len(swaps))
    swaps[rows, np.repeat(on, off.size)] = 0
    swaps[rows, np.tile(off, on.size)] = 1
    C = np.vstack([single, swaps])
    return C[rubric.feasible_mask(C)]


def polish(rubric: Rubric, x: np.ndarray, objective: str, d: np.ndarray,
           ideal: np.ndarray | None, max_moves: int = 100) -> tuple[np.ndarray, int]:
    """Hill-climb on the exact objective over add/drop/swap neighbours."""
    for moves in range(max_moves):
        C = np.vstack([x[None, :], neighbours(rubric, x)])
        i = lex_argmax(keys(objective, rubric.utilities(C), d, ideal))
        if i == 0:
            return x, moves
        x = C[i]
    return x, max_moves
