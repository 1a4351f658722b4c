"""Mediator beliefs under private information: particles learn from statements; predicted support."""

from __future__ import annotations

import numpy as np
import pytest

from agents.beliefs import Beliefs, BeliefSettings
from agents.knowledge import BeliefKnowledge, public_pool
from sim.core.context import make_context
from sim.core.moves import Move
from sim.core.scenario import load_scenario
from tests.conftest import ROOT, random_scenario

SEEDS = 30


def _public(seed: int):
    ctx = make_context(random_scenario(seed, 10, 3))
    return ctx, ctx.public


def _weight_error(beliefs: Beliefs, W: np.ndarray) -> float:
    return float(np.abs(beliefs.mean_weights() - W).mean())


def test_truthful_priorities_bring_the_believed_weights_closer():
    before, after = [], []
    for seed in range(SEEDS):
        ctx, public = _public(seed)
        b = Beliefs(public, np.random.default_rng(seed))
        W = ctx.rubric.weights
        before.append(_weight_error(b, W))
        for g in range(len(W)):
            b.stated_priorities(g, W[g])
        after.append(_weight_error(b, W))
    gain = np.array(before) - np.array(after)
    assert gain.mean() > 0.05 and (gain > 0).mean() >= 0.9, (gain.mean(), gain.std())


def test_revealed_comparisons_alone_bring_the_believed_utilities_closer():
    """From an uninformative prior, only pairwise preferences consistent with the true values."""
    before, after = [], []
    for seed in range(SEEDS):
        ctx, public = _public(seed)
        rng = np.random.default_rng(seed)
        b = Beliefs(public, np.random.default_rng(seed + 1))
        X = rng.integers(0, 2, size=(40, ctx.rubric.n_items))
        true = ctx.rubric.utilities(X)
        before.append(np.abs(X @ b.values().T - true).mean())
        for g in range(ctx.rubric.n_groups):
            i, j = rng.integers(0, 40, size=(2, 12))
            better = np.where((true[i, g] >= true[j, g])[:, None], X[i], X[j])
            worse = np.where((true[i, g] >= true[j, g])[:, None], X[j], X[i])
            b.prefers(g, better, worse)
        after.append(np.abs(X @ b.values().T - true).mean())
    gain = np.array(before) - np.array(after)
    assert gain.mean() > 0 and (gain > 0).mean() >= 0.7, (gain.mean(), gain.std(), (gain > 0).mean())


def test_same_rng_same_beliefs():
    _, public = _public(3)
    a, b = Beliefs(public, np.random.default_rng(5)), Beliefs(public, np.random.default_rng(5))
    for x in (a, b):
        x.stated_priorities(0, np.array([0.6, 0.3, 0.1]))
        x.at_least(1, np.ones(10), 2.0)
    assert np.array_equal(a.mean_weights(), b.mean_weights())


def test_a_survey_prior_is_what_the_mediator_believes_before_anyone_speaks():
    s = load_scenario(ROOT / "scenarios/tiny_example.yaml")
    from sim.core.scenario import Prior

    prior = Prior(weights={"accessibility": 8, "greenery": 1, "liveliness": 1}, sd={"accessibility": 0.02})
    groups = [s.groups[0].model_copy(update={"prior": prior}), *s.groups[1:]]
    public = make_context(s.model_copy(update={"groups": groups})).public
    means = Beliefs(public, np.random.default_rng(0), BeliefSettings(particles=4096)).mean_weights()
    assert means[0] == pytest.approx([0.8, 0.1, 0.1], abs=0.03)
    assert means[1] == pytest.approx([1 / 3] * 3, abs=0.05)       # no prior: uninformative


def test_predicted_support_uses_stated_red_lines_and_vetoes():
    s = load_scenario(ROOT / "scenarios/tiny_example.yaml")
    groups = [s.groups[0].model_copy(update={"veto": True}), *s.groups[1:]]
    s = s.model_copy(update={"groups": groups, "protocol": s.protocol.model_copy(update={"acceptance": "majority"})})
    public = make_context(s).public
    know = BeliefKnowledge(public, Beliefs(public, np.random.default_rng(0)))
    know.stated[0] = Move("position", must_have=("ramp",))
    C = np.array([public.rubric.package(["ramp", "bench"]), public.rubric.package(["trees", "bench"])])
    ok = know.red_lines_ok(C, know.utilities(C))
    assert ok[:, 0].tolist() == [True, False] and ok[:, 1:].all()
    # a majority without the veto group does not pass; with it, it does
    assert know.passes(np.array([[False, True, True], [True, True, False]])).tolist() == [False, True]


def test_the_public_pool_is_feasible_and_holds_the_base_designs():
    ctx = make_context(load_scenario(ROOT / "scenarios/montreal_streets.yaml"))
    pool = public_pool(ctx.public)
    assert len(pool) >= 10 and ctx.rubric.feasible_mask(pool).all()
    rows = {p.tobytes() for p in pool}
    assert all(x.tobytes() in rows for x in ctx.base_packages.values() if ctx.rubric.feasible(x))


def test_one_comparison_moves_a_named_private_effect_to_the_probit_posterior_mean():
    """Known answer: prior N(0, s^2) on d, likelihood Phi(lam * (d + c)); the filter's mean equals quadrature's."""
    from scipy import integrate, stats

    from agents.beliefs import PROBIT

    ctx, public = _public(3)
    settings = BeliefSettings(private_effects=True)
    b = Beliefs(public, np.random.default_rng(0), settings)
    g, k, C = 0, 2, b.C
    b.named_items({g: [k]})
    sd = b.sd[g]
    x = np.zeros(ctx.rubric.n_items)
    x[k] = 1
    level = 1.5                                   # the group said u(x) >= 1.5: E_k . w + d_k >= 1.5
    mean_w = float(b.probabilities(g) @ (b.W[g] @ b.E[k, :C]))
    var_w = float(b.probabilities(g) @ (b.W[g] @ b.E[k, :C] - mean_w) ** 2)
    b.at_least(g, x, level)
    lam = PROBIT / settings.tau / np.sqrt(1.0 + (PROBIT / settings.tau) ** 2 * var_w)   # weights' share as noise
    c = mean_w - level
    like = lambda d: stats.norm.cdf(lam * (d + c)) * stats.norm.pdf(d, 0.0, sd)  # noqa: E731
    z = integrate.quad(like, -12 * sd, 12 * sd, points=[-c])[0]
    mean = integrate.quad(lambda d: d * like(d), -12 * sd, 12 * sd, points=[-c])[0] / z
    assert b.mu[g, k] == pytest.approx(mean, rel=1e-6)
    assert b.mu[g, k] > 0 and np.count_nonzero(b.mu) == 1       # only the named item of the group that spoke


def test_private_effects_off_is_exactly_weights_only():
    ctx, public = _public(4)
    a = Beliefs(public, np.random.default_rng(1))
    a.named_items({0: [1, 2]})
    assert a.E.shape == ctx.rubric.effects.shape and a.mu.shape == (ctx.rubric.n_groups, 0)
    assert np.array_equal(a.values(), a.mean_weights() @ ctx.rubric.effects.T)


def test_a_group_that_asks_to_drop_an_item_it_privately_dislikes_is_believed_to_dislike_it():
    """Over 30 random scenarios: one objection 'drop k' makes the believed private effect of k negative."""
    signs = []
    for seed in range(SEEDS):
        ctx, public = _public(seed)
        b = Beliefs(public, np.random.default_rng(seed), BeliefSettings(private_effects=True))
        k = seed % ctx.rubric.n_items
        x = np.ones(ctx.rubric.n_items, dtype=np.int8)
        y = x.copy()
        y[k] = 0
        b.named_items({0: [k]})
        b.prefers(0, y[None], x[None])
        signs.append(np.sign(b.mu[0, k]))
    assert np.mean(np.array(signs) < 0) == 1.0, signs


def test_runs_with_and_without_private_effects_share_a_context_without_mixing_their_rows():
    from sim.run.runner import RunConfig, run_negotiation

    path = ROOT / "scenarios" / "tiny_example.yaml"
    fresh = run_negotiation(make_context(load_scenario(path)), RunConfig(seed=5))
    shared = make_context(load_scenario(path))
    on = run_negotiation(shared, RunConfig(seed=5, mediator_options={"beliefs": BeliefSettings(private_effects=True)}))
    off = run_negotiation(shared, RunConfig(seed=5))
    assert off.benchmark["belief_error"] == fresh.benchmark["belief_error"]
    assert on.benchmark["belief_error"] != off.benchmark["belief_error"]
