"""Shapley values of cooperative games given as batched coalition value functions.

`shapley_values(value_fn, players)` works for any game whose value function maps a batch
of 0/1 coalition rows (m, n) to m values. Methods:

- ``exact``: every one of the 2^n coalitions is evaluated once (one batch) and the values
  are combined with two matrix products; this is the fast path (16 players in ~10 ms).
- ``shap``: shap's exact explainer with an Independent masker (background: nobody, the
  explained row: everybody); same numbers, slower, kept as an external oracle (tests check
  ``exact`` against it).
- ``sampled``: antithetic permutation sampling with a numpy Generator passed in (shap's
  Permutation explainer seeds numpy's global generator, which this project never does);
  the standard error comes from the spread over permutation pairs, and every estimate is
  exactly efficient because each permutation's marginals sum to v(N) - v(empty).

This is the only module that imports shap, and only inside `_shap_exact`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Hashable, Sequence

import numpy as np

ValueFn = Callable[[np.ndarray], np.ndarray]
METHODS = ("auto", "exact", "shap", "sampled")
EXACT_MAX = 18            # auto: exact enumeration up to this many players
DEFAULT_PERMUTATIONS = 1000
EFFICIENCY_TOL = 1e-9


@dataclass(frozen=True)
class ShapleyResult:
    """Shapley values of a game, how they were computed and the efficiency check."""

    players: tuple[Hashable, ...]
    values: dict[Hashable, float]
    method: str
    evaluations: int                       # distinct coalitions whose value was computed
    v_full: float
    v_empty: float
    stderr: dict[Hashable, float] | None = None
    details: dict = field(default_factory=dict)

    @property
    def efficiency_gap(self) -> float:
        """Sum of the values minus (v(N) - v(empty)); zero up to rounding."""
        return float(sum(self.values.values()) - (self.v_full - self.v_empty))

    @property
    def efficient(self) -> bool:
        """True when the efficiency gap is within tolerance, scaled by the values' size and the number of players."""
        scale = max(1.0, abs(self.v_full), abs(self.v_empty))
        return abs(self.efficiency_gap) <= EFFICIENCY_TOL * scale * max(1, len(self.players))

    def array(self) -> np.ndarray:
        """The values as an array in player order."""
        return np.array([self.values[p] for p in self.players])


def _row_keys(rows: np.ndarray) -> np.ndarray:
    """One hashable key per 0/1 row: a uint64 up to 64 players, raw bytes beyond."""
    packed = np.packbits(rows, axis=1)
    if packed.shape[1] <= 8:
        padded = np.zeros((len(rows), 8), dtype=np.uint8)
        padded[:, : packed.shape[1]] = packed
        return padded.view(np.uint64).ravel()
    packed = np.ascontiguousarray(packed)
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel()


class CoalitionCache:
    """Memoised value function: each distinct coalition is evaluated once, in batches."""

    def __init__(self, value_fn: ValueFn, n: int) -> None:
        self.value_fn, self.n = value_fn, n
        self.table: dict[int | bytes, float] = {}

    @property
    def evaluations(self) -> int:
        """Distinct coalitions evaluated so far."""
        return len(self.table)

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        """The values of a batch of 0/1 coalition rows; only coalitions not seen before reach the value function."""
        rows = np.asarray(rows).reshape(-1, self.n) != 0
        uniq, first, inverse = np.unique(_row_keys(rows), return_index=True, return_inverse=True)
        keys = uniq.tolist() if uniq.dtype == np.uint64 else [k.tobytes() for k in uniq]
        missing = [j for j, k in enumerate(keys) if k not in self.table]
        if missing:
            new = rows[first[missing]].astype(np.int8)
            vals = np.asarray(self.value_fn(new), dtype=float).reshape(-1)
            if vals.shape[0] != new.shape[0]:
                raise ValueError(f"value_fn returned {vals.shape[0]} values for {new.shape[0]} coalitions")
            self.table.update(zip((keys[j] for j in missing), vals.tolist()))
        values = np.array([self.table[k] for k in keys], dtype=float)
        return values[inverse.reshape(-1)]


@lru_cache(maxsize=8)
def all_coalitions(n: int) -> np.ndarray:
    """(2^n, n) int8 rows, read-only and cached; row m holds the bits of m (player i is bit i)."""
    masks = np.arange(1 << n, dtype=np.int64)
    rows = ((masks[:, None] >> np.arange(n)) & 1).astype(np.int8)
    rows.setflags(write=False)
    return rows


def shapley_weights(n: int) -> np.ndarray:
    """w[s] = s! (n-s-1)! / n!: the weight of a coalition of size s joined by one more player."""
    return np.array([1.0 / (n * math.comb(n - 1, s)) for s in range(n)])


@lru_cache(maxsize=4)
def _lacking_weights(n: int) -> tuple[np.ndarray, ...]:
    """For each player i, w(|S|) of every coalition S lacking i, laid out as (2^(n-1-i), 2^i)."""
    size = all_coalitions(n).sum(axis=1, dtype=np.int64)
    w = np.append(shapley_weights(n), 0.0)[size]
    out = tuple(np.ascontiguousarray(w.reshape(-1, 2, 1 << i)[:, 0, :]) for i in range(n))
    for arr in out:
        arr.setflags(write=False)
    return out


def exact_from_table(values: np.ndarray, n: int) -> np.ndarray:
    """Shapley values from v over all 2^n coalitions (ordered as `all_coalitions`).

    phi_i = sum over S lacking i of w(|S|) (v(S + i) - v(S)); viewing the table as
    (2^(n-1-i), 2, 2^i) puts v(S) and v(S + i) side by side on the middle axis.
    """
    values = np.asarray(values, dtype=float)
    weights = _lacking_weights(n)
    phi = np.empty(n)
    for i in range(n):
        pairs = values.reshape(-1, 2, 1 << i)
        phi[i] = np.einsum("ij,ij->", weights[i], pairs[:, 1, :] - pairs[:, 0, :])
    return phi


def _exact(value_fn: ValueFn, n: int) -> tuple[np.ndarray, float, float, int, dict]:
    rows = all_coalitions(n)
    values = np.asarray(value_fn(rows), dtype=float).reshape(-1)
    if values.shape[0] != rows.shape[0]:
        raise ValueError(f"value_fn returned {values.shape[0]} values for {rows.shape[0]} coalitions")
    phi = exact_from_table(values, n)
    return phi, float(values[-1]), float(values[0]), rows.shape[0], {}


def _permutation_rows(perms: np.ndarray) -> np.ndarray:
    """(P, n+1, n) coalitions along each permutation: row k holds its first k players."""
    P, n = perms.shape
    rank = np.empty_like(perms)
    rank[np.arange(P)[:, None], perms] = np.arange(n)
    return (rank[:, None, :] < np.arange(n + 1)[None, :, None]).astype(np.int8)


def _sampled(value_fn: ValueFn, n: int, n_samples: int, rng: np.random.Generator):
    """Antithetic permutation sampling: each drawn order is paired with its reverse."""
    pairs = max(2, (n_samples + 1) // 2)
    half = rng.permuted(np.tile(np.arange(n), (pairs, 1)), axis=1)
    perms = np.concatenate([half, half[:, ::-1]])
    cache = CoalitionCache(value_fn, n)
    vals = cache(_permutation_rows(perms).reshape(-1, n)).reshape(len(perms), n + 1)
    marg = np.diff(vals, axis=1)
    samples = np.empty_like(marg)
    samples[np.arange(len(perms))[:, None], perms] = marg
    pair_means = 0.5 * (samples[:pairs] + samples[pairs:])
    phi = pair_means.mean(axis=0)
    se = pair_means.std(axis=0, ddof=1) / math.sqrt(pairs)
    return phi, float(vals[0, -1]), float(vals[0, 0]), cache.evaluations, \
        {"permutations": int(len(perms)), "stderr": se}


def _shap_exact(value_fn: ValueFn, n: int):
    """Shap's ExactExplainer with an Independent masker: background nobody, row everybody."""
    try:
        import shap
    except ImportError as err:
        raise ImportError("method 'shap' needs shap; fix: pip install 'negsim[explain]'") from err
    seen = [0]

    def model(X: np.ndarray) -> np.ndarray:      # each coalition comes once: no memo needed
        seen[0] += len(X)
        return np.asarray(value_fn((np.asarray(X) != 0).astype(np.int8)), dtype=float).reshape(-1)

    masker = shap.maskers.Independent(np.zeros((1, n)), max_samples=1)
    out = shap.explainers.Exact(model, masker)(np.ones((1, n)), silent=True)
    phi = np.asarray(out.values, dtype=float).reshape(-1)
    empty = float(np.asarray(out.base_values).reshape(-1)[0])
    return phi, float(model(np.ones((1, n)))[0]), empty, seen[0], {"shap_version": shap.__version__}


def _choose(method: str, n: int) -> str:
    if method not in METHODS:
        raise ValueError(f"unknown Shapley method {method!r}; use one of {', '.join(METHODS)}")
    if method == "auto":
        return "exact" if n <= EXACT_MAX else "sampled"
    return method


def shapley_values(value_fn: ValueFn, players: Sequence[Hashable], *, method: str = "auto",
                   n_samples: int | None = None,
                   seed: int | np.random.Generator | None = None) -> ShapleyResult:
    """Shapley value of every player of the game v = value_fn (batched 0/1 coalition rows).

    `auto` enumerates exactly up to EXACT_MAX players and samples permutations beyond;
    `n_samples` is the number of permutations (sampled only), `seed` an int or Generator.
    """
    players = tuple(players)
    n = len(players)
    if n == 0:
        raise ValueError("a game needs at least one player")
    if len(set(players)) != n:
        raise ValueError("players must be distinct")
    used = _choose(method, n)
    if used == "exact":
        phi, full, empty, evals, details = _exact(value_fn, n)
    elif used == "shap":
        phi, full, empty, evals, details = _shap_exact(value_fn, n)
    else:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        phi, full, empty, evals, details = _sampled(value_fn, n, n_samples or DEFAULT_PERMUTATIONS, rng)
    se = details.pop("stderr", None)
    return ShapleyResult(
        players=players, values={p: float(v) for p, v in zip(players, phi)}, method=used,
        evaluations=int(evals), v_full=full, v_empty=empty,
        stderr=None if se is None else {p: float(s) for p, s in zip(players, se)}, details=details)
