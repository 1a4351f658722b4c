"""Expectation propagation for the item-value belief: N(0, diag(s0^2)) times probit comparison factors.

Each comparison row j of a group says r_j . d + c_j > 0 up to probit noise of variance n_j
(`agents.beliefs`: r_j the row's private-effect part, c_j the mean of its weight part minus its
bound, n_j = 1/lambda^2 plus the variance of its weight part), a factor Phi((r_j . d + c_j) / sqrt(n_j)).
EP keeps one Gaussian site per factor, exp(-tau_j (r_j . d)^2 / 2 + nu_j r_j . d) (rank one, tau_j >= 0:
the probit factor is log-concave), and revisits every site until none moves: each site is
replaced by the one that makes the posterior match the moments of (posterior without that site) x
(the true factor), the one-dimensional probit moment match of assumed-density filtering. Unlike a
single filtering pass, the fixed point does not depend on the order of the rows, and a row that the
other rows already imply adds almost nothing, where a filter, reading it against a Gaussian that still
puts mass on the wrong side, moves the mean again (Minka, "Expectation Propagation for approximate
Bayesian inference", UAI 2001; Rasmussen and Williams, "Gaussian Processes for Machine Learning",
2006, section 3.6). Sites are updated in parallel with damping (van Gerven et al., JMLR 2010).
"""

from __future__ import annotations

import numpy as np

DAMPING = 0.5       # share of the new site taken per sweep (parallel EP needs damping to settle)
TOL = 1e-7          # settled when no site's natural parameters move more than this (relative)
SWEEPS = 200        # at most this many parallel sweeps


def posterior(s0: np.ndarray, R: np.ndarray, tau: np.ndarray, nu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (G, K) and covariance (G, K, K) of N(0, diag(s0^2)) times the rank-one sites (tau, nu) (G, M) on rows R (G, M, K).

    Written with S0^(1/2) = diag(s0) so an item with no prior variance (s0 = 0) stays at 0 exactly:
    S = S0^(1/2) (I + S0^(1/2) R' T R S0^(1/2))^-1 S0^(1/2), mu = S R' nu.
    """
    Bm = R * s0[:, None, :]                                       # R S0^(1/2)
    inner = np.eye(R.shape[2])[None] + np.einsum("gmk,gm,gml->gkl", Bm, tau, Bm)
    S = s0[:, :, None] * np.linalg.inv(inner) * s0[:, None, :]
    mu = np.einsum("gkl,gml,gm->gk", S, R, nu)
    return mu, S


def settle(s0: np.ndarray, R: np.ndarray, c: np.ndarray, noise: np.ndarray, mask: np.ndarray,
           tau: np.ndarray, nu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """EP's fixed point from the sites (tau, nu) given (new rows: 0): (mu, S, tau, nu).

    s0 (G, K) prior sd of each private effect; R (G, M, K) rows; c, noise, mask (G, M) as in the module doc.
    """
    from scipy.special import log_ndtr

    tau, nu = np.where(mask, tau, 0.0), np.where(mask, nu, 0.0)
    mu, S = posterior(s0, R, tau, nu)
    for _ in range(SWEEPS):
        m = np.einsum("gmk,gk->gm", R, mu)
        v = np.einsum("gmk,gkl,gml->gm", R, S, R)
        live = mask & (v > 1e-12)
        prec = 1.0 / np.where(live, v, 1.0) - tau
        live &= prec > 0
        vc = 1.0 / np.where(live, prec, 1.0)          # the cavity: the posterior without site j, along row j
        mc = vc * (m / np.where(live, v, 1.0) - np.where(live, nu, 0.0))
        scale = np.sqrt(noise + vc)
        z = (mc + c) / scale
        ratio = np.exp(-0.5 * z ** 2 - 0.5 * np.log(2 * np.pi) - log_ndtr(z))   # N(z) / Phi(z)
        v_hat = vc - vc ** 2 * ratio * (z + ratio) / scale ** 2
        m_hat = mc + vc * ratio / scale
        new_tau = np.maximum(1.0 / np.maximum(v_hat, 1e-300) - 1.0 / vc, 0.0)
        new_nu = m_hat / np.maximum(v_hat, 1e-300) - mc / vc
        new_tau, new_nu = np.where(live, new_tau, tau), np.where(live, new_nu, nu)
        step_tau, step_nu = DAMPING * (new_tau - tau), DAMPING * (new_nu - nu)
        tau, nu = tau + step_tau, nu + step_nu
        mu, S = posterior(s0, R, tau, nu)
        if (np.abs(step_tau) <= TOL * (1.0 + np.abs(tau))).all() and (np.abs(step_nu) <= TOL * (1.0 + np.abs(nu))).all():
            break
    return mu, S, tau, nu
