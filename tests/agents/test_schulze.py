"""Schulze aggregation against pref_voting's beat_path (an established library) on random profiles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.schulze import condorcet_winner, pairwise, schulze


@st.composite
def profiles(draw):
    n = draw(st.integers(2, 6))
    voters = draw(st.integers(1, 9))
    ballots = [tuple(draw(st.permutations(range(n)))) for _ in range(voters)]
    return n, ballots


@settings(max_examples=150, deadline=None)
@given(profiles())
def test_schulze_winners_match_pref_voting(profile):
    pv = pytest.importorskip("pref_voting.profiles")
    from pref_voting.margin_based_methods import beat_path

    n, ballots = profile
    ours = schulze(ballots, n)
    theirs = sorted(beat_path(pv.Profile([list(b) for b in ballots])))
    assert list(ours.winners) == theirs
    assert ours.winner == theirs[0]                       # explicit tie-break: the lowest index


@settings(max_examples=200, deadline=None)
@given(profiles())
def test_a_condorcet_winner_is_always_the_schulze_winner(profile):
    n, ballots = profile
    result = schulze(ballots, n)
    c = condorcet_winner(pairwise(ballots, n))
    if c is not None:
        assert result.winners == (c,) and result.winner == c


def test_known_answer_wikipedia_example():
    # the 45-voter example of the Schulze method's Wikipedia article (A..E = 0..4): winner E
    groups = [(5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"), (7, "CAEBD"),
              (2, "CBADE"), (7, "DCEBA"), (8, "EBADC")]
    ballots = [tuple("ABCDE".index(c) for c in order) for count, order in groups for _ in range(count)]
    result = schulze(ballots, 5)
    assert result.winners == (4,)
    assert result.strengths[4, 0] == 25 and result.strengths[0, 4] == 24   # the article's path strengths


def test_a_cycle_is_a_tie_broken_by_the_lowest_index():
    result = schulze([(0, 1, 2), (1, 2, 0), (2, 0, 1)], 3)
    assert result.winners == (0, 1, 2) and result.winner == 0 and "tie" in result.details["why"]


def test_weights_count_as_repeated_ballots():
    a = schulze([(1, 0, 2), (0, 2, 1)], 3, weights=[3.0, 1.0])
    b = schulze([(1, 0, 2)] * 3 + [(0, 2, 1)], 3)
    assert a.winners == b.winners == (1,) and np.array_equal(a.pairwise, b.pairwise)


def test_a_bad_ballot_is_refused():
    with pytest.raises(ValueError, match="not a ranking"):
        schulze([(0, 0, 1)], 3)
