"""Disagreement statistics on response matrices (participants x columns), vectorised over columns.

- `between_shares`: the share of variance that group membership explains, per block of
  columns (a block = one criterion of one task; its columns are the rated or ranked targets,
  or a single column for an importance task), with a permutation test that shuffles group
  labels over participants (each participant's answers move together). Values are centred per
  column first, so a block's share is sum_t sum_g n_gt (mean_gt - mean_t)^2 / sum_t sum_i
  (x_it - mean_t)^2: level shifts of a group and group-by-target differences both count.
- `kruskal_columns`, `mannwhitney_columns`: scipy.stats tests, vectorised over columns.
- `kendall_w`: Kendall's coefficient of concordance from scipy's Friedman statistic.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

CHUNK_CELLS = 4_000_000        # one-hot cells per permutation chunk (memory bound)


def permutations(labels: np.ndarray, n: int, seed: int) -> np.ndarray:
    """`n` shuffles of the group labels (rows), from one seeded Generator."""
    rng = np.random.default_rng(seed)
    return rng.permuted(np.tile(labels, (n, 1)), axis=1)


def _group_sums(label_rows: np.ndarray, n_groups: int, X: np.ndarray) -> np.ndarray:
    """(R, n) label rows, (n, K) matrix -> (R, G, K) per-group column sums."""
    R, n = label_rows.shape
    onehot = np.zeros((R, n_groups, n))
    onehot[np.arange(R)[:, None], label_rows, np.arange(n)[None, :]] = 1.0
    return (onehot.reshape(R * n_groups, n) @ X).reshape(R, n_groups, X.shape[1])


def _explained(label_rows: np.ndarray, n_groups: int, X0: np.ndarray, M: np.ndarray | None,
               sizes: np.ndarray) -> np.ndarray:
    """Between-group sum of squares per column for each label row: (R, K)."""
    S = _group_sums(label_rows, n_groups, X0)
    N = _group_sums(label_rows, n_groups, M) if M is not None else np.broadcast_to(sizes[None, :, None], S.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(N > 0, S * S / np.where(N > 0, N, 1.0), 0.0).sum(axis=1)


def between_shares(X: np.ndarray, labels: np.ndarray, n_groups: int, blocks: np.ndarray,
                   perms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Share of variance explained by group per block, and its permutation p-value.

    X (n, K) may hold NaN (missing answers); labels (n,) are group indices; blocks (K,) gives
    each column's block index; perms (P, n) are shuffled label rows. p = (1 + #{perm >= obs}) /
    (P + 1). A block without variance gets share and p NaN.
    """
    M = ~np.isnan(X)
    X0 = np.where(M, X - nanmean(X, axis=0), 0.0)
    Mf = None if M.all() else M.astype(float)
    sizes = np.bincount(labels, minlength=n_groups).astype(float)
    n_blocks = int(blocks.max()) + 1
    total = np.bincount(blocks, weights=(X0 * X0).sum(axis=0), minlength=n_blocks)
    observed = np.bincount(blocks, weights=_explained(labels[None, :], n_groups, X0, Mf, sizes)[0],
                           minlength=n_blocks)
    hits = np.zeros(n_blocks)
    chunk = max(1, CHUNK_CELLS // max(1, n_groups * X.shape[0]))
    tol = 1e-9 * np.maximum(total, 1e-300)
    for start in range(0, len(perms), chunk):
        part = _explained(perms[start:start + chunk], n_groups, X0, Mf, sizes)      # (R, K)
        per_block = np.stack([np.bincount(blocks, weights=row, minlength=n_blocks) for row in part])
        hits += (per_block >= observed - tol).sum(axis=0)
    flat = total <= 1e-12
    share = np.where(flat, np.nan, observed / np.where(flat, 1.0, total))
    p = np.where(flat, np.nan, (1.0 + hits) / (len(perms) + 1.0))
    return share, p


def nanmean(X: np.ndarray, axis: int = 0) -> np.ndarray:
    """Mean over `axis` ignoring NaN; NaN (without a warning) where a slice has no value."""
    X = np.asarray(X, dtype=float)
    count = (~np.isnan(X)).sum(axis=axis)
    total = np.where(np.isnan(X), 0.0, X).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


def kruskal_columns(X: np.ndarray, labels: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kruskal-Wallis H, p and epsilon-squared effect size H / (n - 1) per column (NaN when undefined)."""
    samples = [X[labels == g] for g in range(n_groups) if (labels == g).any()]
    if len(samples) < 2:
        nan = np.full(X.shape[1], np.nan)
        return nan, nan, nan
    policy = "omit" if np.isnan(X).any() else "propagate"
    res = _quiet(stats.kruskal, *samples, axis=0, nan_policy=policy)
    n = (~np.isnan(X)).sum(axis=0)
    h, p = np.atleast_1d(res.statistic).astype(float), np.atleast_1d(res.pvalue).astype(float)
    return h, p, h / np.maximum(n - 1, 1)


def mannwhitney_columns(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cliff's delta (2U / (n_a n_b) - 1, from scipy's U of A) and Mann-Whitney p per column."""
    policy = "omit" if np.isnan(A).any() or np.isnan(B).any() else "propagate"
    res = _quiet(stats.mannwhitneyu, A, B, axis=0, nan_policy=policy)
    na, nb = (~np.isnan(A)).sum(axis=0), (~np.isnan(B)).sum(axis=0)
    u = np.atleast_1d(res.statistic).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = 2.0 * u / (na * nb) - 1.0
    return delta, np.atleast_1d(res.pvalue).astype(float)


def kendall_w(ranks: np.ndarray) -> tuple[float, float]:
    """Kendall's W and its p-value for m raters (rows) ranking n options (columns), no ties.

    W = chi2_Friedman / (m (n - 1)) with scipy's Friedman test (options as treatments, raters
    as blocks); for two options W is computed from the rank sums (scipy needs three).
    """
    ranks = np.asarray(ranks, dtype=float)
    m, n = ranks.shape
    if m < 2 or n < 2:
        return float("nan"), float("nan")
    if n == 2:
        sums = ranks.sum(axis=0)
        s = float(((sums - sums.mean()) ** 2).sum())
        w = 12.0 * s / (m * m * (n ** 3 - n))
        return w, float(stats.chi2.sf(m * (n - 1) * w, n - 1))
    res = _quiet(stats.friedmanchisquare, *ranks.T)
    return float(res.statistic) / (m * (n - 1)), float(res.pvalue)
