"""A learned private-effect scale for the item-value belief (the belief flag `+scale`): Bayesian model averaging.

The item-value belief's prior puts an independent private effect N(0, s_g^2) on every item of group g,
with s_g fixed at the root mean square of the group's public item values (`agents.beliefs.Beliefs.sd`).
Under `+scale` the scale is a hyperparameter: s = f s_g with f on the grid GRID (log-spaced, 1/4 to 4,
uniform prior weights; set before any result was looked at and not changed since). Each grid point
keeps its own Gaussian N(mu_f, S_f), updated by the same comparison rows by the same filter
(`agents.beliefs._filter`), and the log of its marginal likelihood, log Z_f, the sum of the filter's
per-row log normalisers log P(row | rows before, f) (the filter's estimate of log P(rows | f)). The
posterior over the scale is P(f | rows) proportional to Z_f (uniform prior), and the believed private
effects are the mixture's moments: mean sum_f P(f | rows) mu_f, covariance
sum_f P(f | rows) (S_f + (mu_f - mu)(mu_f - mu)') (hierarchical prior, MacKay 1992 "Bayesian
interpolation"; Gelman et al., "Bayesian Data Analysis", ch. 5). A group whose statements are
explained without large private effects thereby gets a narrow prior, one whose statements need them
a wide one: each group's own statements set its scale, nothing is set per scenario.
"""

from __future__ import annotations

import numpy as np

GRID = 2.0 ** np.arange(-2.0, 3.0)     # 1/4, 1/2, 1, 2, 4 times the group's prior sd; uniform prior weights


def scale_weights(logz: np.ndarray) -> np.ndarray:
    """(L, G) posterior probability of each grid scale per group from log marginal likelihoods (L, G) (uniform prior)."""
    z = np.exp(logz - logz.max(axis=0, keepdims=True))
    return z / z.sum(axis=0, keepdims=True)


def mixture(mu_s: np.ndarray, S_s: np.ndarray, logz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (G, K) and covariance (G, K, K) of the scale mixture: per grid point mu_s (L, G, K), S_s (L, G, K, K), logz (L, G)."""
    p = scale_weights(logz)
    mu = np.einsum("lg,lgk->gk", p, mu_s)
    dev = mu_s - mu[None]
    S = np.einsum("lg,lgkm->gkm", p, S_s + np.einsum("lgk,lgm->lgkm", dev, dev))
    return mu, S
