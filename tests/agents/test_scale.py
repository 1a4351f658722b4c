"""The learned private-effect scale (`agents.scale`, the belief flag `+scale`) against references nobody here wrote.

One probit row: the filter's log normaliser is the row's marginal likelihood, checked by scipy's quadrature
and by the closed form Phi(c / sqrt(1/lambda^2 + var_w + r' S r)). Two rows on two items: the scale mixture's
posterior mean and variance against numerical integration over (scale, effect), where the second row moves the
first item's belief through the scale alone.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from agents.beliefs import PROBIT, _filter, belief_settings
from agents.scale import GRID, mixture, scale_weights
from tests.agents.test_ep import _one_criterion
from tests.agents.test_item_beliefs import A, B


def test_the_filters_log_normaliser_of_one_probit_row_is_its_marginal_likelihood():
    """d ~ N(0, 1.5^2), row 1.3 d + 0.4 > 0 with weight-part variance 0.05 and tau 0.1."""
    sd, r, c, var_w, tau = 1.5, 1.3, 0.4, 0.05, 0.1
    lam = PROBIT / tau
    _, _, logz = _filter(np.zeros((1, 1)), np.full((1, 1, 1), sd ** 2), (np.array([[c]]), np.array([[var_w]])),
                         np.array([[[r]]]), np.ones((1, 1), bool), tau)
    ref = integrate.quad(lambda d: stats.norm.pdf(d, 0, sd) * stats.norm.cdf(lam * (r * d + c) / np.sqrt(1 + lam ** 2 * var_w)),
                         -12 * sd, 12 * sd, epsabs=1e-12)[0]
    closed = stats.norm.cdf(c / np.sqrt(1 / lam ** 2 + var_w + r ** 2 * sd ** 2))
    assert logz[0] == pytest.approx(np.log(ref), rel=1e-7) and ref == pytest.approx(closed, rel=1e-7)


def _tilted(f: float, sd: float, lam: float, margin) -> tuple[float, float, float]:
    """Z, mean and second moment of N(0, (f sd)^2) x Phi(lam margin(d)) by quadrature."""
    def m(k):
        return integrate.quad(lambda d: d ** k * stats.norm.pdf(d, 0, f * sd) * stats.norm.cdf(lam * margin(d)),
                              -14 * f * sd, 14 * f * sd, epsabs=1e-13, limit=200)[0]
    z = m(0)
    return z, m(1) / z, m(2) / z


def test_the_scale_mixture_matches_integration_over_scale_and_effect():
    """One criterion (weights fixed at 1): u(a) = 2 + d_a >= 3.5 (a large private effect) and u(b) = 1 + d_b < 1.1.

    Under a uniform prior on GRID x sd, P(f | rows) is proportional to Z_a(f) Z_b(f); the posterior of d_a is the
    mixture over f of its tilted Gaussians, so the row on b moves d_a through the scale alone."""
    tau = 0.1
    b = _one_criterion("item_values+scale", tau)
    b.at_least(0, A, 3.5)
    b.at_least(0, B, 1.1, below=True)
    sd, lam = b.sd[0], PROBIT / tau
    rows_a = [_tilted(f, sd, lam, lambda d: 2 + d - 3.5) for f in GRID]
    rows_b = [_tilted(f, sd, lam, lambda d: 1.1 - 1 - d) for f in GRID]
    p = np.array([za * zb for (za, _, _), (zb, _, _) in zip(rows_a, rows_b)])
    p /= p.sum()
    for k, rows in enumerate((rows_a, rows_b)):
        mean = sum(pf * m1 for pf, (_, m1, _) in zip(p, rows))
        var = sum(pf * m2 for pf, (_, _, m2) in zip(p, rows)) - mean ** 2
        assert b.mu[0, k] == pytest.approx(mean, abs=1e-6 * sd) and b.S[0, k, k] == pytest.approx(var, rel=1e-5)
    assert scale_weights(b.logz)[:, 0] == pytest.approx(p, abs=1e-7)
    assert b.mu[0, 2] == 0.0 and b.S[0, 2, 2] == pytest.approx(sd ** 2 * (GRID ** 2 * p).sum())
    fixed = _one_criterion("item_values", tau)
    fixed.at_least(0, A, 3.5)
    assert abs(fixed.mu[0, 0] - b.mu[0, 0]) > 0.05 * sd      # the scale matters here: the test is sharp


def test_mixture_of_equal_components_is_that_component_and_weights_follow_the_likelihood():
    mu_s, S_s = np.ones((5, 1, 2)), np.tile(np.eye(2), (5, 1, 1, 1))
    mu, S = mixture(mu_s, S_s, np.log(np.arange(1.0, 6.0))[:, None])
    assert np.allclose(mu, 1.0) and np.allclose(S, np.eye(2))
    assert scale_weights(np.log(np.arange(1.0, 6.0))[:, None])[:, 0] == pytest.approx(np.arange(1, 6) / 15)


def test_scale_is_a_flag_off_by_default_and_not_combined_with_ep():
    assert belief_settings("item_values+decisions+ideal+scale").scale
    assert not belief_settings("item_values+decisions+ideal").scale
    with pytest.raises(ValueError, match=r"\+scale"):
        belief_settings("item_values+ep+scale")
