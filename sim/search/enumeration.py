"""Exhaustive enumeration of feasible packages and the choice of search method (enumeration or MILP).

Up to ENUM_MAX_ITEMS items every feasible package is listed (vectorised, in increasing binary
index) and kept with its group utilities once per rubric; above it the searches use the MILP.
"""

from __future__ import annotations

import numpy as np

from sim.core.cache import owned, store
from sim.core.rubric import Rubric

ENUM_MAX_ITEMS = 20            # exhaustive vectorised enumeration up to this many items (2^20 rows)
METHODS = ("auto", "enumeration", "milp")
_CHUNK = 1 << 14

__all__ = ["ENUM_MAX_ITEMS", "METHODS", "enumerate_feasible", "feasible_table", "resolve_method", "share_table"]


def resolve_method(rubric: Rubric, method: str) -> str:
    """The search method `method` means for this rubric: `auto` is enumeration up to ENUM_MAX_ITEMS items, else MILP."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {METHODS}")
    if method == "auto":
        return "enumeration" if rubric.n_items <= ENUM_MAX_ITEMS else "milp"
    return method


def enumerate_feasible(rubric: Rubric, max_items: int = ENUM_MAX_ITEMS) -> np.ndarray:
    """All feasible packages (n, K) int8, in increasing binary index (item k = bit k)."""
    K = rubric.n_items
    if K > max_items:
        raise ValueError(f"{K} items exceed the enumeration limit of {max_items}; use method='milp'")
    shifts = np.arange(K, dtype=np.int64)
    chunks = []
    for start in range(0, 1 << K, _CHUNK):
        idx = np.arange(start, min(start + _CHUNK, 1 << K), dtype=np.int64)
        X = ((idx[:, None] >> shifts) & 1).astype(np.int8)
        chunks.append(X[rubric.feasible_mask(X)])
    return np.concatenate(chunks)


def feasible_table(rubric: Rubric) -> tuple[np.ndarray, np.ndarray]:
    """Feasible packages and their group utilities, computed once per rubric (read-only)."""
    def build() -> tuple[np.ndarray, np.ndarray]:
        X = enumerate_feasible(rubric)
        U = (rubric.values @ X.T.astype(np.float64)).T    # (n, G) in column order: fast row reductions
        X.setflags(write=False)
        U.setflags(write=False)
        return X, U
    return owned(rubric, "feasible_table", build)


def share_table(rubric: Rubric, table: tuple[np.ndarray, np.ndarray]) -> None:
    """Use `table` (read-only feasible packages, utility columns) as `rubric`'s feasible table.

    For a rubric with the same feasible set as one already enumerated (e.g. fewer groups).
    """
    store(rubric, "feasible_table", table)
