"""Ballots as elicitation (issue 19, item 4): every inequality a ballot reveals holds for the values that cast it;
voice applies (silent groups cast none, exaggerating ones cast from sharpened weights); the mediator learns."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.beliefs import Beliefs, belief_settings
from agents.knowledge import BeliefKnowledge
from agents.listening import hear_positions
from sim.core.ballots import cast, revealed
from sim.core.context import make_context
from sim.core.scenario import load_scenario
from sim.core.voice import parse_voice
from sim.run.runner import RunConfig, run_negotiation
from sim.testing.strategies import scenarios
from tests.conftest import ROOT, random_scenario

ELICITED = ("threshold", "threshold:1", "knapsack", "value_rank", "vfm_rank", "approve:1", "approve:3")
TINY = ROOT / "scenarios/tiny_example.yaml"


@settings(max_examples=30, deadline=None, derandomize=True)
@given(scenario=scenarios(max_items=7, max_groups=3), fmt=st.sampled_from(ELICITED))
def test_every_revealed_inequality_holds_for_the_values_that_cast_the_ballot(scenario, fmt):
    rub = make_context(scenario).rubric
    for v in rub.values:
        R, b = revealed(rub, fmt, cast(rub, fmt, v))
        assert (R @ v >= b - 1e-9).all(), (fmt, R @ v - b)


def test_a_knapsack_ballot_is_the_brute_force_best_package_and_reveals_its_one_item_neighbours():
    rub = make_context(load_scenario(TINY)).rubric
    every = [np.array(x, dtype=np.int8) for x in itertools.product((0, 1), repeat=rub.n_items)]
    feasible = [x for x in every if rub.feasible(x)]
    for v in rub.values:
        x = np.zeros(rub.n_items, dtype=np.int8)
        x[list(cast(rub, "knapsack", v))] = 1
        assert x @ v == pytest.approx(max(y @ v for y in feasible))
        R, _ = revealed(rub, "knapsack", cast(rub, "knapsack", v))
        near = [y for y in feasible if np.abs(y - x).sum() == 1]
        assert sorted(map(tuple, x - R)) == sorted(map(tuple, near))


def test_tiny_example_threshold_and_value_rank_ballots_by_hand():
    """Wheelchair users value ramp 3, trees 0.75, bench 0.75, bike lane 0.5, lighting 1, mural 0 (mean 1.0)."""
    rub = make_context(load_scenario(TINY)).rubric
    v = rub.values[rub.group_index["wheelchair_users"]]
    assert v == pytest.approx([3.0, 0.75, 0.75, 0.5, 1.0, 0.0])
    assert [rub.item_ids[k] for k in cast(rub, "threshold", v)] == ["ramp", "lighting"]
    assert [rub.item_ids[k] for k in cast(rub, "value_rank", v)] == ["ramp", "lighting", "trees", "bench", "bike_lane"]
    assert [rub.item_ids[k] for k in cast(rub, "approve:2", v)] == ["ramp", "lighting"]


def test_voice_silent_casts_no_ballot_and_exaggeration_casts_from_sharpened_weights():
    rub = make_context(load_scenario(TINY)).rubric
    g = rub.group_index["families"]                          # greenery 2/3, liveliness 1/3
    cv, w = rub.criterion_values[g], rub.weights[g]
    assert parse_voice("silent").ballot_values(cv, w) is None
    assert parse_voice("truthful").ballot_values(cv, w) == pytest.approx(rub.values[g])
    sharp = parse_voice("exaggerate:2").ballot_values(cv, w)  # weights 4/5, 1/5
    assert sharp == pytest.approx(rub.effects @ np.array([0.0, 0.8, 0.2]))


def test_a_run_records_ballots_as_heard_and_a_silent_group_casts_none():
    ctx = make_context(load_scenario(TINY), elicitation="value_rank")
    run = run_negotiation(ctx, RunConfig(seed=0, voice="truthful,merchants=silent"))
    cast_by = {r["agent"]: r.get("ballot") for r in run.transcript if r["kind"] == "position"}
    assert cast_by["merchants"] is None
    assert cast_by["wheelchair_users"] == ["ramp", "lighting", "trees", "bench", "bike_lane"]


def _item_error(fmt: str | None, seed: int, belief: str) -> float:
    """Item-value error of a belief after hearing only the groups' truthful ballots.

    The truth follows the belief's own model: public effects under the true weights (weights), plus
    private effects drawn from the item-value prior on every item (item_values).
    """
    ctx = make_context(random_scenario(seed, 8, 3), elicitation=fmt or "none")
    public, rub = ctx.public, ctx.rubric
    know = BeliefKnowledge(public, Beliefs(public, np.random.default_rng(seed), belief_settings(belief)))
    noise = np.random.default_rng(seed + 1).normal(size=rub.values.shape) * know.beliefs.sd[:, None]
    true = rub.values + (noise if belief == "item_values" else 0.0)
    ballots = {gid: tuple(rub.item_ids[k] for k in cast(rub, fmt, true[g]))
               for g, gid in enumerate(rub.group_ids)} if fmt else {}
    hear_positions(know, {}, ballots)
    know.refresh()
    return float(np.abs(know.values - true).mean())


@pytest.mark.parametrize("belief", ["weights", "item_values"])
@pytest.mark.parametrize("fmt", ["threshold", "knapsack", "value_rank", "vfm_rank", "approve:3"])
def test_a_ballot_moves_the_belief_toward_the_true_values(fmt, belief):
    """Over 20 random scenarios: the item-value error after the ballots is below the prior's, on average and mostly."""
    gain = np.array([_item_error(None, s, belief) - _item_error(fmt, s, belief) for s in range(20)])
    assert gain.mean() > 0 and (gain > 0).mean() >= 0.7, (gain.mean(), (gain > 0).mean())


@settings(max_examples=30, deadline=None, derandomize=True)
@given(scenario=scenarios(max_items=7, max_groups=3), fmt=st.sampled_from(ELICITED + ("rank:2",)))
def test_a_cast_ballot_read_back_from_its_named_items_gives_the_same_implied_utilities(scenario, fmt):
    from sim.core.ballots import named_scores, scores
    rub = make_context(scenario).rubric
    for v in rub.values:
        assert np.array_equal(named_scores(fmt, cast(rub, fmt, v), rub.n_items), scores(rub, fmt, v))


@pytest.mark.parametrize("fmt", ["threshold", "knapsack", "value_rank", "approve:3"])
def test_the_stated_ballots_of_truthful_groups_elect_what_the_vote_benchmark_elects(fmt):
    """tiny_example has no members: a group's stated ballot is its benchmark ballot, so the same packages
    (computed on the public rubric, as a mediator can)."""
    from sim.run.votes import has_mes, stated_vote_packages, vote_packages
    ctx = make_context(load_scenario(TINY))
    rub = ctx.rubric
    stated = {g: cast(rub, fmt, v) for g, v in enumerate(rub.values)}
    heard = stated_vote_packages(ctx.public.rubric, fmt, stated)
    truth = vote_packages(rub)
    assert set(heard) == {"greedy", "utilitarian"} | ({"mes"} if has_mes() and fmt != "value_rank" else set())
    for agg, x in heard.items():
        assert np.array_equal(x, truth[f"{fmt}/{agg}"]), agg


def test_what_the_stated_ballots_elect_joins_the_candidates_and_silent_groups_add_nothing():
    """One group's knapsack ballot {ramp, bench} (not in the public pool): every aggregation elects a package
    holding both, greedy exactly them, and each joins the mediator's candidates; no ballot (silence) adds nothing."""
    from sim.run.votes import stated_vote_packages
    ctx = make_context(load_scenario(TINY), elicitation="knapsack")
    public, rub = ctx.public, ctx.rubric
    heard = rub.package(["ramp", "bench"])
    know = BeliefKnowledge(public, Beliefs(public, np.random.default_rng(0), belief_settings("weights")))
    before = {x.tobytes() for x in know.candidates()}
    assert heard.astype(np.int8).tobytes() not in before
    hear_positions(know, {}, {"merchants": ("ramp", "bench")})
    elected = stated_vote_packages(public.rubric, "knapsack", {rub.group_index["merchants"]: tuple(np.flatnonzero(heard))})
    assert np.array_equal(elected["greedy"], heard) and all((x >= heard).all() for x in elected.values())
    assert {x.tobytes() for x in know.candidates()} == before | {x.astype(np.int8).tobytes() for x in elected.values()}
    assert {x.tobytes() for x in know.pool()} == before          # the public pool (believed ideals) is unchanged
    silent = BeliefKnowledge(public, Beliefs(public, np.random.default_rng(0), belief_settings("weights")))
    hear_positions(silent, {}, {})
    assert {x.tobytes() for x in silent.candidates()} == before


def test_the_private_mediator_ranks_what_the_stated_ballots_elect_among_its_candidates():
    from agents.mediators import RuleMediator
    from sim.core.protocol import PublicState, Reply
    ctx = make_context(load_scenario(TINY), elicitation="knapsack")
    rub = ctx.rubric
    m = RuleMediator("negotiated")
    m.reset(ctx.public, np.random.default_rng(0))
    m.act(PublicState(round=0))
    ballots = {"merchants": ("ramp", "bench")}
    x = rub.package(list(m.act(PublicState(round=1, ballots=ballots)).package))
    ranked, rank = [], m._rank
    m._rank = lambda C, x, thr: (ranked.append(C), rank(C, x, thr))[1]
    objections = {g: Reply(g, False, (), "", None) for g in rub.group_ids}
    m.act(PublicState(round=2, draft=x, last_replies=objections, ballots=ballots))
    assert (ranked[0] == rub.package(["ramp", "bench"])).all(axis=1).any()


@settings(max_examples=10, deadline=None, derandomize=True)
@given(scenario=scenarios(max_items=7, max_groups=3), fmt=st.sampled_from(ELICITED))
def test_every_package_the_stated_ballots_elect_is_feasible_and_funds_only_what_a_ballot_names(scenario, fmt):
    """Greedy and MES fund only named items (then complete by votes); the utilitarian optimum is the brute-force best."""
    from sim.core.ballots import named_scores
    from sim.run.votes import stated_vote_packages
    from sim.search.exact import enumerate_feasible
    ctx = make_context(scenario)
    rub = ctx.rubric
    stated = {g: cast(rub, fmt, v) for g, v in enumerate(rub.values)}
    heard = stated_vote_packages(ctx.public.rubric, fmt, stated)
    named = np.zeros(rub.n_items, dtype=bool)
    for ids in stated.values():
        named[list(ids)] = True
    s = rub.sizes @ np.array([named_scores(fmt, ids, rub.n_items) for ids in stated.values()])
    best = (enumerate_feasible(rub) @ s).max()
    for agg, x in heard.items():
        assert rub.feasible(x), agg
        if agg == "utilitarian":
            assert x @ s == pytest.approx(best)
        else:
            assert not (x.astype(bool) & ~named & ~rub.closure(named.astype(np.int8)).astype(bool)).any(), agg
