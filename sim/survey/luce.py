"""Plackett-Luce strengths from rankings: `choix` (the only module that imports it) and a vectorised twin.

A ranking is a sequence of option indices, best first; options left out of a ranking are
not part of that observation. Strengths are exp(log-worth), normalised to sum 1. `alpha` is
choix's penalty: the MAP estimate minimises alpha * |theta|^2 - log-likelihood (a Gaussian
prior on the log-worths), which keeps one participant's single ranking finite.

`strengths` calls choix.opt_rankings (one Python loop per ranking stage: fine for a few
rankings); `consensus_strengths` minimises the same objective with Newton steps vectorised
over all rankings at once (thousands of rankings in milliseconds) and is tested against choix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NEWTON_STEPS = 50
NEWTON_TOL = 1e-10        # half the Newton decrement (an objective gap bound) at which to stop


def _normalised(params: np.ndarray) -> np.ndarray:
    w = np.exp(params - params.max())
    return w / w.sum()


def strengths(n_options: int, rankings: Sequence[Sequence[int]], alpha: float) -> np.ndarray:
    """MAP Plackett-Luce strengths (sum 1) of n options from rankings (best first), by choix."""
    import choix

    data = [tuple(int(k) for k in r) for r in rankings if len(r) >= 2]
    if not data:
        return np.full(n_options, 1.0 / n_options)
    return _normalised(choix.opt_rankings(n_options, data, alpha=alpha))


def position_strengths(n_options: int, n_ranked: int, alpha: float) -> tuple[float, ...]:
    """Strengths of one ranking of `n_ranked` of `n_options` options, by position.

    A single ranking's MAP depends only on the positions, so every participant who ranked
    the same number of options shares these values (callers compute them once per shape):
    position j (0 = best) gets entry j, and the options left unranked share the entries
    from n_ranked on.
    """
    return tuple(strengths(n_options, [tuple(range(n_ranked))], alpha).tolist())


def padded(rankings: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Rankings (option indices, best first) as an index matrix and a validity mask, padded on the right."""
    rankings = [r for r in rankings if len(r) >= 2]
    width = max((len(r) for r in rankings), default=0)
    idx = np.zeros((len(rankings), width), dtype=np.int64)
    valid = np.zeros((len(rankings), width), dtype=bool)
    for i, r in enumerate(rankings):
        idx[i, :len(r)], valid[i, :len(r)] = r, True
    return idx, valid


def rank_matrix_orders(ranks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A (raters, options) matrix of ranks (NaN = unranked) as `padded` index and mask (vectorised)."""
    ranks = np.asarray(ranks, dtype=float)
    idx = np.argsort(np.where(np.isnan(ranks), np.inf, ranks), axis=1, kind="stable")
    valid = np.arange(ranks.shape[1])[None, :] < (~np.isnan(ranks)).sum(axis=1)[:, None]
    keep = valid.sum(axis=1) >= 2
    return idx[keep], valid[keep]


def _newton_terms(theta, idx, valid, stage, alpha):
    """Objective, gradient and Hessian of alpha |theta|^2 - log-likelihood, vectorised over rankings."""
    n, (R, L) = len(theta), idx.shape
    w = np.where(valid, np.exp(theta[idx] - theta.max()), 0.0)                 # (R, L) by position
    denom = np.where(stage, np.cumsum(w[:, ::-1], axis=1)[:, ::-1], 1.0)       # sum of w from stage j on
    later = np.triu(np.ones((L, L), dtype=bool))                               # position k >= stage j
    p = np.where(later[None], w[:, None, :], 0.0) / denom[:, :, None] * stage[:, :, None]
    target = np.broadcast_to(np.where(valid, idx, n)[:, None, :], (R, L, L))   # padding -> a dummy option n
    P = np.zeros((R, L, n + 1))
    np.put_along_axis(P, target, p, axis=2)                                    # choice probabilities by option
    P = P[:, :, :n].reshape(R * L, n)
    chosen = P.sum(axis=0)
    winners = np.bincount(idx[stage], minlength=n).astype(float)
    loglik = float(np.sum(np.where(stage, theta[idx] - theta.max() - np.log(denom), 0.0)))
    grad = 2 * alpha * theta - (winners - chosen)
    hess = 2 * alpha * np.eye(n) + np.diag(chosen) - P.T @ P
    return alpha * float(theta @ theta) - loglik, grad, hess


def consensus_strengths(n_options: int, orders: tuple[np.ndarray, np.ndarray], alpha: float,
                        start: np.ndarray | None = None) -> np.ndarray:
    """The MAP strengths (sum 1) of `strengths`, by damped Newton steps vectorised over rankings.

    `orders` is (idx, valid) from `padded` or `rank_matrix_orders`; `start` (strengths, e.g.
    everyone's when fitting one group) only shortens the search. Stops when half the Newton
    decrement falls below NEWTON_TOL (the objective is convex, so that bounds the gap).
    """
    idx, valid = orders
    if not len(idx):
        return np.full(n_options, 1.0 / n_options)
    stage = np.arange(idx.shape[1])[None, :] < (valid.sum(axis=1) - 1)[:, None]   # a choice among >= 2 options
    theta = np.zeros(n_options) if start is None else np.log(np.maximum(start, 1e-300))
    theta -= theta.mean()
    value, grad, hess = _newton_terms(theta, idx, valid, stage, alpha)
    for _ in range(NEWTON_STEPS):
        step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        if grad @ step / 2 < NEWTON_TOL:
            break
        t = 1.0
        while True:
            new = _newton_terms(theta - t * step, idx, valid, stage, alpha)
            if new[0] <= value + 1e-12 or t < 1e-6:
                break
            t /= 2
        theta, (value, grad, hess) = theta - t * step, new
    return _normalised(theta)
