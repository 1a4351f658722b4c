"""The item-value belief (`BeliefSettings(item_values=True)`): a private effect on every item from the start.

References nobody here wrote: 2-D numerical integration of the exact posterior (prior x probit
likelihoods) on a one-criterion scenario, where the weights are fixed at 1 and the belief is the
Gaussian over the items' private effects alone; hypothesis invariants of the filter.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from agents.beliefs import PROBIT, Beliefs, BeliefSettings, belief_settings
from sim.core.context import make_context
from sim.core.scenario import parse_scenario
from sim.testing.strategies import scenarios

ONE_CRITERION = {
    "name": "one-criterion", "budget": 10.0, "criteria": [{"id": "c"}],
    "items": [{"id": "a", "cost": 1.0, "effects": {"c": 2.0}}, {"id": "b", "cost": 1.0, "effects": {"c": 1.0}},
              {"id": "c", "cost": 1.0, "effects": {"c": 3.0}}],
    "groups": [{"id": "g", "weights": {"c": 1.0}}], "base_designs": {"one": ["a"]}}
A, B, AB = np.array([1, 0, 0]), np.array([0, 1, 0]), np.array([1, 1, 0])


def _one_criterion(tau: float = 0.1) -> Beliefs:
    ctx = make_context(parse_scenario(ONE_CRITERION, "one-criterion"))
    return Beliefs(ctx.public, np.random.default_rng(0), BeliefSettings(item_values=True, tau=tau))


def _quadrature(sd: float, tau: float, margins) -> tuple[float, float]:
    """Posterior mean of (d_a, d_b) under N(0, sd^2 I) times probit likelihoods of the margins, on a grid."""
    grid = np.linspace(-8 * sd, 8 * sd, 401)
    da, db = np.meshgrid(grid, grid, indexing="ij")
    post = stats.norm.pdf(da, 0, sd) * stats.norm.pdf(db, 0, sd)
    for margin in margins:
        post = post * stats.norm.cdf(PROBIT * margin(2 + da, 1 + db) / tau)
    z = post.sum()
    return float((da * post).sum() / z), float((db * post).sum() / z)


def test_the_prior_is_the_public_value_with_an_uncertainty_on_every_item():
    b = _one_criterion()
    sd = np.sqrt((2 ** 2 + 1 ** 2 + 3 ** 2) / 3)          # root mean square of the public item values
    assert b.values() == pytest.approx(np.array([[2.0, 1.0, 3.0]]))
    assert b.S[0] == pytest.approx(sd ** 2 * np.eye(3))


def test_the_private_sd_of_a_package_by_hand():
    """Prior: each item's private effect has variance sd^2 = 14/3, independent, so a two-item package's sd is sd * sqrt(2)."""
    b = _one_criterion()
    sd = np.sqrt((2 ** 2 + 1 ** 2 + 3 ** 2) / 3)
    assert b.private_sd(np.array([A, AB, np.zeros(3)])) == pytest.approx(np.array([[sd], [sd * np.sqrt(2)], [0.0]]))
    ctx = make_context(parse_scenario(ONE_CRITERION, "one-criterion"))
    weights_only = Beliefs(ctx.public, np.random.default_rng(0), BeliefSettings())
    assert weights_only.private_sd(np.array([A, AB])).tolist() == [[0.0], [0.0]]


def test_one_preference_moves_both_items_to_the_exact_posterior_mean():
    """b preferred to a though a looks better publicly: d_a falls, d_b rises, as 2-D quadrature says."""
    b = _one_criterion()
    b.prefers(0, B[None], A[None])
    ref = _quadrature(b.sd[0], 0.1, [lambda va, vb: vb - va])
    assert b.mu[0, :2] == pytest.approx(ref, rel=1e-4)
    assert b.mu[0, 0] < 0 < b.mu[0, 1] and b.mu[0, 2] == 0.0


@pytest.mark.parametrize("tau", [0.1, 1.0])
def test_three_statements_stay_near_the_exact_posterior_mean(tau):
    """Assumed-density filtering is exact for one probit factor and approximate for several (order-dependent).

    Measured: the largest error is 0.13 sd (tau 0.1) and 0.03 sd (tau 1.0); the test allows 0.2 sd.
    """
    b = _one_criterion(tau)
    b.prefers(0, B[None], A[None])
    b.at_least(0, AB, 6.0, below=True)
    b.at_least(0, B, 3.0)
    ref = _quadrature(b.sd[0], tau, [lambda va, vb: vb - va, lambda va, vb: 6 - va - vb, lambda va, vb: vb - 3])
    assert np.abs(b.mu[0, :2] - ref).max() < 0.2 * b.sd[0], (b.mu[0, :2], ref)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(scenario=scenarios(max_items=8, max_groups=3), seed=st.integers(0, 1000))
def test_statements_never_widen_the_belief_and_each_moves_its_own_margin_up(scenario, seed):
    """Invariants of the filter: variances only shrink, the covariance stays symmetric positive
    semi-definite, and after a comparison r . v > b the believed margin r . mu has not fallen."""
    ctx = make_context(scenario)
    b = Beliefs(ctx.public, np.random.default_rng(seed), belief_settings("item_values"))
    rng = np.random.default_rng(seed)
    K = ctx.rubric.n_items
    for _ in range(6):
        g = int(rng.integers(0, ctx.rubric.n_groups))
        x, y = rng.integers(0, 2, size=(2, K))
        before_S, before_mu = b.S[g].copy(), b.mu[g].copy()
        b.prefers(g, x[None], y[None])
        r = (x - y).astype(float)
        assert r @ b.mu[g] >= r @ before_mu - 1e-9
        assert (np.diag(b.S[g]) <= np.diag(before_S) + 1e-9).all()
        assert np.allclose(b.S[g], b.S[g].T)
        assert np.linalg.eigvalsh(b.S[g]).min() > -1e-9


def _learned(belief: str, seed: int) -> tuple[float, float]:
    """Item-value error before and after 12 true pairwise preferences per group; the truth has private effects
    drawn from the item-value prior (public values under the true weights plus N(0, sd^2) on every item)."""
    from tests.conftest import random_scenario

    ctx = make_context(random_scenario(seed, 8, 3))
    b = Beliefs(ctx.public, np.random.default_rng(seed), belief_settings(belief))
    rng = np.random.default_rng(seed + 1)
    sd = Beliefs(ctx.public, np.random.default_rng(0), belief_settings("item_values")).sd
    true = ctx.rubric.values + rng.normal(size=ctx.rubric.values.shape) * sd[:, None]
    before = np.abs(b.values() - true).mean()
    for g in range(ctx.rubric.n_groups):
        X, Y = rng.integers(0, 2, size=(2, 12, ctx.rubric.n_items))
        first = ((X - Y) @ true[g] >= 0)[:, None]
        b.prefers(g, np.where(first, X, Y), np.where(first, Y, X))
    return before, np.abs(b.values() - true).mean()


def test_item_level_statements_bring_believed_values_closer_than_the_weights_only_belief():
    """Over 20 random scenarios whose groups have private item effects: the item-value belief learns them
    (its error falls in most scenarios) and ends closer to the true values than the weights-only belief."""
    items = np.array([_learned("item_values", seed) for seed in range(20)])
    weights = np.array([_learned("weights", seed) for seed in range(20)])
    gain = items[:, 0] - items[:, 1]
    assert gain.mean() > 0 and (gain > 0).mean() >= 0.8, (gain.mean(), (gain > 0).mean())
    assert items[:, 1].mean() < weights[:, 1].mean(), (items[:, 1].mean(), weights[:, 1].mean())


def test_unknown_belief_name_is_refused():
    with pytest.raises(ValueError, match="item_values"):
        belief_settings("items")
