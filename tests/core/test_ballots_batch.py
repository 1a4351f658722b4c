"""Ballots cast in one batch (issue 24, item 1): the same ballots as one voter at a time, each distinct
value vector solved once; the knapsack ballot is the brute-force best package."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import sim.core.ballots as ballots
from sim.core.ballots import linear_optima, scores_many
from sim.core.context import make_context
from sim.core.elicitation import parse_ballot
from sim.run.votes import voter_multiplicities
from sim.search.exact import optimise
from sim.testing.strategies import scenarios
from tests.conftest import random_scenario

FORMATS = ("threshold", "threshold:1", "value_rank", "vfm_rank", "approve:1", "approve:3", "rank:3")


def _borda_one(order, positive, top):
    """The per-voter Borda of main before the batch (29278d7), kept as the reference."""
    score = np.zeros(len(order))
    for r, k in enumerate([k for k in order if positive[k]][:top]):
        score[k] = top - r
    return score


def _scores_one(rub, fmt, v):
    """`sim.core.ballots.scores` of main before the batch, one voter at a time (non-knapsack formats)."""
    name, option = parse_ballot(fmt)
    K, positive = len(v), v > 0
    if name == "threshold":
        return ((v >= (v.mean() if option is None else option)) & positive).astype(float)
    if name in ("value_rank", "vfm_rank"):
        order = np.argsort(-(v if name == "value_rank" else v / rub.costs), kind="stable")
        return _borda_one(order, positive, int(positive.sum()))
    score = _borda_one(np.argsort(-v, kind="stable"), positive, min(int(option), K))
    return (score > 0).astype(float) if name == "approve" else score


def _voters(data, K: int) -> np.ndarray:
    """Value rows with ties, zeros, negatives and repeated rows (what members of a group look like)."""
    rows = data.draw(st.lists(st.lists(st.integers(-2, 4), min_size=K, max_size=K), min_size=1, max_size=5))
    picks = data.draw(st.lists(st.integers(0, len(rows) - 1), min_size=1, max_size=8))
    return np.array([rows[i] for i in picks], dtype=float) / 2


@settings(max_examples=25, deadline=None, derandomize=True)
@given(scenario=scenarios(max_items=7, max_groups=2), data=st.data())
def test_batch_ballots_equal_one_voter_at_a_time(scenario, data):
    rub = make_context(scenario).rubric
    V = _voters(data, rub.n_items)
    for fmt in FORMATS:
        expected = np.array([_scores_one(rub, fmt, v) for v in V])
        np.testing.assert_array_equal(scores_many(rub, fmt, V), expected, err_msg=fmt)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(scenario=scenarios(max_items=7, max_groups=2), data=st.data())
def test_knapsack_ballots_are_the_brute_force_best_and_the_one_voter_search(scenario, data):
    rub = make_context(scenario).rubric
    V = _voters(data, rub.n_items)
    every = np.array(list(itertools.product((0, 1), repeat=rub.n_items)), dtype=np.int8)
    feasible = every[rub.feasible_mask(every)]
    got = linear_optima(rub, V)
    for v, x in zip(V, got):
        assert rub.feasible(x)
        assert x @ v >= (feasible @ v).max() - 1e-9                       # brute force: nothing better
        one = optimise(ballots._one_voter(rub, v), "utilitarian").package
        np.testing.assert_array_equal(x, one)                             # and the same tie-break


def test_blocks_do_not_change_the_answer(monkeypatch):
    rub = make_context(random_scenario(3, 9, 2)).rubric
    V = np.random.default_rng(0).normal(size=(50, rub.n_items)).round(1)
    whole = linear_optima(rub, V)
    monkeypatch.setattr(ballots, "_BLOCK_CELLS", 7)                         # about one voter per block
    np.testing.assert_array_equal(linear_optima(rub, V), whole)


def test_above_the_enumeration_limit_each_distinct_row_is_one_search(monkeypatch):
    rub = make_context(random_scenario(5, 22, 2)).rubric
    rows = np.random.default_rng(1).normal(size=(3, rub.n_items))
    V = rows[[0, 1, 0, 2, 1, 0]]
    calls = []
    real = ballots.optimise
    monkeypatch.setattr(ballots, "optimise", lambda r, obj: calls.append(1) or real(r, obj))
    got = linear_optima(rub, V)
    assert len(calls) == 3
    for v, x in zip(V, got):
        np.testing.assert_array_equal(x, real(ballots._one_voter(rub, v), "utilitarian").package)


def test_voter_multiplicities_by_hand():
    # sizes 3 and 2; 2 and 3 members: weights 3/2 and 2/3 per member -> x6: 9 and 4
    scenario = random_scenario(0, 5, 2)
    crit = [c.id for c in scenario.criteria]
    w = {c: 1.0 for c in crit}
    groups = [g.model_copy(update={"size": s, "members": [w] * m})
              for g, s, m in zip(scenario.groups, (3, 2), (2, 3))]
    rub = make_context(scenario.model_copy(update={"groups": groups})).rubric
    assert voter_multiplicities(rub).tolist() == [9, 9, 4, 4, 4]
