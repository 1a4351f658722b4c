"""Expectation propagation (`agents.ep`) against references nobody here wrote.

One probit factor: the posterior is exactly the Gaussian matched to prior x factor, whose moments
along the row are those of a Gaussian times a normal cdf (closed form, checked by scipy's quadrature).
Several factors: 2-D numerical integration of prior x factors, where a single filtering pass is
order-dependent and counts an implied row again; EP's fixed point is neither.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from agents.beliefs import Beliefs, belief_settings
from agents.ep import settle
from sim.core.context import make_context
from sim.core.scenario import parse_scenario
from tests.agents.test_item_beliefs import AB, ONE_CRITERION, A, B, _quadrature


def _ep(sd: float, R, c, noise: float):
    R, c = np.atleast_2d(np.asarray(R, dtype=float)), np.asarray(c, dtype=float)
    m, K = R.shape
    zeros = np.zeros((1, m))
    mu, S, tau, nu = settle(np.full((1, K), sd), R[None], c[None], np.full((1, m), noise), np.ones((1, m), bool),
                            zeros, zeros)
    return mu[0], S[0], tau[0]


def _grid(sd: float, R, c, noise: float):
    """Posterior mean and covariance of (d1, d2) under N(0, sd^2 I) x prod Phi((r . d + c) / sqrt(noise)), on a grid."""
    grid = np.linspace(-8 * sd, 8 * sd, 601)
    d1, d2 = np.meshgrid(grid, grid, indexing="ij")
    post = stats.norm.pdf(d1, 0, sd) * stats.norm.pdf(d2, 0, sd)
    for r, cj in zip(R, c):
        post = post * stats.norm.cdf((r[0] * d1 + r[1] * d2 + cj) / np.sqrt(noise))
    z = post.sum()
    m1, m2 = (d1 * post).sum() / z, (d2 * post).sum() / z
    return np.array([m1, m2]), np.array([[((d1 - m1) ** 2 * post).sum(), ((d1 - m1) * (d2 - m2) * post).sum()],
                                         [((d1 - m1) * (d2 - m2) * post).sum(), ((d2 - m2) ** 2 * post).sum()]]) / z


def test_one_factor_is_matched_exactly_by_one_dimensional_quadrature():
    """d ~ N(0, 2^2), factor Phi((d - 1) / 0.5): EP's mean and variance are the tilted distribution's."""
    sd, noise = 2.0, 0.25

    def tilted(d, k):
        return d ** k * stats.norm.pdf(d, 0, sd) * stats.norm.cdf((d - 1.0) / np.sqrt(noise))

    z = integrate.quad(tilted, -20, 20, args=(0,))[0]
    mean = integrate.quad(tilted, -20, 20, args=(1,))[0] / z
    var = integrate.quad(tilted, -20, 20, args=(2,))[0] / z - mean ** 2
    mu, S, tau = _ep(sd, [[1.0]], [-1.0], noise)
    assert mu[0] == pytest.approx(mean, rel=1e-6) and S[0, 0] == pytest.approx(var, rel=1e-6)
    assert tau[0] > 0                                   # a log-concave factor's site has positive precision


def test_several_factors_stay_near_the_exact_posterior_and_the_order_does_not_matter():
    """Three comparisons on two items (tau 0.1 in utility units): EP within 3% of an sd of the 2-D integral, in any order
    (a single filtering pass gives d1 = -1.195 in this order and -1.588 in reverse)."""
    sd, noise = 2.0, (0.1 / np.sqrt(np.pi / 8)) ** 2
    R, c = np.array([[-1.0, 1.0], [-1.0, -1.0], [0.0, 1.0]]), np.array([-1.0, 3.0, -2.0])
    ref_mu, ref_S = _grid(sd, R, c, noise)
    mu, S, _ = _ep(sd, R, c, noise)
    assert np.abs(mu - ref_mu).max() < 0.03 * sd, (mu, ref_mu)
    assert np.abs(S - ref_S).max() < 0.05 * sd ** 2, (S, ref_S)
    mu_rev, S_rev, _ = _ep(sd, R[::-1], c[::-1], noise)
    assert mu_rev == pytest.approx(mu, abs=1e-6) and S_rev == pytest.approx(S, abs=1e-6)


def test_a_repeated_row_is_not_counted_as_new_evidence():
    """The same bound stated four times: the exact posterior hardly moves (a near-step factor to the fourth power is
    nearly the same step): mean 2.398 against 2.273 for one statement. EP: 2.444 (0.023 sd off); a single filtering
    pass reads each copy against a Gaussian that still has mass below the bound: 2.631 (0.117 sd off)."""
    sd, noise = 2.0, (0.1 / np.sqrt(np.pi / 8)) ** 2
    R, c = np.array([[0.0, 1.0]] * 4), np.full(4, -1.0)
    ref_mu, _ = _grid(sd, R, c, noise)
    once, _, _ = _ep(sd, R[:1], c[:1], noise)
    mu, _, _ = _ep(sd, R, c, noise)
    assert abs(mu[1] - ref_mu[1]) < 0.03 * sd, (mu, ref_mu)
    assert abs(mu[1] - once[1]) < 0.1 * sd


def test_an_item_without_prior_variance_stays_at_zero():
    """s0 = 0 (an item no statement named under the named-effects belief): no row moves it, whatever it says."""
    R = np.array([[[1.0, 1.0], [1.0, -1.0]]])
    mu, S, _, _ = settle(np.array([[1.5, 0.0]]), R, np.array([[-1.0, 0.5]]), np.full((1, 2), 0.1),
                         np.ones((1, 2), bool), np.zeros((1, 2)), np.zeros((1, 2)))
    assert mu[0, 1] == 0.0 and S[0, 1, 1] == 0.0 and S[0, 0, 1] == 0.0 and mu[0, 0] > 0


def _one_criterion(name: str, tau: float = 0.1) -> Beliefs:
    ctx = make_context(parse_scenario(ONE_CRITERION, "one-criterion"))
    settings = belief_settings(name)
    return Beliefs(ctx.public, np.random.default_rng(0), type(settings)(**{**settings.__dict__, "tau": tau}))


@pytest.mark.parametrize("tau", [0.1, 1.0])
def test_the_belief_with_ep_stays_nearer_the_exact_posterior_than_one_filtering_pass(tau):
    """`item_values+ep` on three statements (the one-criterion scenario of test_item_beliefs, weights fixed at 1):
    measured 0.019 sd (tau 0.1) and 0.0006 sd (tau 1.0) from the 2-D integral; one filtering pass (`item_values`)
    0.13 sd and 0.03 sd."""
    errors = {}
    for name in ("item_values", "item_values+ep"):
        b = _one_criterion(name, tau)
        b.prefers(0, B[None], A[None])
        b.at_least(0, AB, 6.0, below=True)
        b.at_least(0, B, 3.0)
        ref = _quadrature(b.sd[0], tau, [lambda va, vb: vb - va, lambda va, vb: 6 - va - vb, lambda va, vb: vb - 3])
        errors[name] = np.abs(b.mu[0, :2] - ref).max() / b.sd[0]
    assert errors["item_values+ep"] < 0.03 and errors["item_values+ep"] < errors["item_values"] / 1.5, errors


def test_ep_is_a_flag_of_the_belief_name_and_off_by_default():
    assert belief_settings("item_values+decisions+ideal+ep").ep
    assert not belief_settings("item_values+decisions+ideal").ep


def test_random_statements_keep_the_ep_belief_inside_its_prior_and_move_their_own_margin_up():
    """Invariants with log-concave factors: no variance above its prior one (a new row may revise earlier sites, so a
    variance can grow a little from one statement to the next, as the exact posterior's can), a symmetric positive
    semi-definite covariance, and after a comparison r . v > b the believed margin r . mu has not fallen."""
    from tests.conftest import random_scenario

    for seed in range(8):
        ctx = make_context(random_scenario(seed, 8, 3))
        b = Beliefs(ctx.public, np.random.default_rng(seed), belief_settings("item_values+ep"))
        rng = np.random.default_rng(seed)
        for _ in range(6):
            g = int(rng.integers(0, ctx.rubric.n_groups))
            x, y = rng.integers(0, 2, size=(2, ctx.rubric.n_items))
            before = b.mu[g].copy()
            b.prefers(g, x[None], y[None])
            r = (x - y).astype(float)
            assert r @ b.mu[g] >= r @ before - 1e-9
            assert (np.diag(b.S[g]) <= b.sd[g] ** 2 + 1e-9).all() and np.allclose(b.S[g], b.S[g].T)
            assert np.linalg.eigvalsh(b.S[g]).min() > -1e-9
