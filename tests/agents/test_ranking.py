"""The mediator's ranking rule (agents.ranking): hand-worked orders, and the old order under unanimity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.beliefs import belief_settings
from agents.mediators import RuleMediator
from agents.ranking import STANDING, Assessment, leaves_out_worst_off, rank, unaddressed, worst_off
from sim.core.context import make_context
from sim.core.scenario import load_scenario
from tests.conftest import ROOT


def _assess(U, accepts, passes, objective=None, **flags) -> Assessment:
    U, accepts = np.asarray(U, dtype=float), np.asarray(accepts, dtype=bool)
    n = len(U)
    ones, zeros = np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    obj = U.min(axis=1)[:, None] if objective is None else np.asarray(objective, dtype=float).reshape(n, -1)
    return Assessment(utilities=U, accepts=accepts, passes=np.asarray(passes, dtype=bool), objective=obj,
                      kept=flags.get("kept", ones), allowed=flags.get("allowed", ones),
                      fresh=flags.get("fresh", ones), stale=flags.get("stale", zeros))


def _old_order(a: Assessment, last_round: bool = False) -> np.ndarray:
    """The order the mediator used before the rule: (kept, not stale, allowed, passes, support, fresh, objective).

    In the last round a stale candidate predicted to pass counts as not stale (seventh follow-up).
    """
    n = len(a.passes)
    keys = [np.arange(n)[::-1] * 1.0] + [a.objective[:, j] for j in range(a.objective.shape[1])][::-1]
    retry = ~a.stale | (a.passes if last_round else False)
    keys += [a.fresh, a.accepts.sum(axis=1), a.passes, a.allowed, retry, a.kept]
    return np.lexsort(keys)[::-1]


def test_worst_off_by_hand_ties_included():
    U = np.array([[3.0, 1.0, 1.0], [2.0, 5.0, 4.0]])
    assert worst_off(U).tolist() == [[False, True, True], [True, False, False]]
    # candidate 0: one of the two tied worst-off groups objects; candidate 1: the worst-off group accepts
    accepts = np.array([[True, True, False], [True, False, False]])
    assert leaves_out_worst_off(U, accepts).tolist() == [True, False]


# quorum 2 of 4 groups. c0: groups 0-2 accept, group 3 (worst off, 1.0) objects -> passes, leaves it out;
# c1: groups 0 and 3 accept, group 3 worst off (2.0) -> passes, keeps it on board; c2: one group, no agreement.
QUORUM = dict(U=[[6.0, 5.0, 5.0, 1.0], [4.0, 3.0, 3.0, 2.0], [9.0, 0.5, 0.5, 0.5]],
              accepts=[[1, 1, 1, 0], [1, 0, 0, 1], [1, 0, 0, 0]], passes=[True, True, False])


def test_a_quorum_that_drops_the_worst_off_group_waits_for_the_last_round():
    a = _assess(**QUORUM)
    assert rank(a).tolist() == [1, 0, 2]                     # keeps the worst-off group on board
    assert rank(a, last_round=True).tolist() == [0, 1, 2]    # then the most support wins, as before
    assert _old_order(a).tolist() == [0, 1, 2]               # the old order bought the quorum


def test_inclusive_candidates_first_then_fresh_then_the_objective():
    U = [[5.0, 5.0, 5.0], [3.0, 3.0, 3.0], [4.0, 4.0, 4.0], [9.0, 9.0, 1.0]]
    accepts = [[1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 0]]
    fresh = np.array([False, True, True, True])              # candidate 0 was tabled before
    a = _assess(U, accepts, passes=[True] * 4, fresh=fresh)  # quorum 2: all four pass
    # 3 passes but leaves out its worst-off group; among the fresh inclusive ones the objective decides (2 over 1)
    assert rank(a).tolist() == [2, 1, 0, 3]


def test_red_lines_stale_and_floor_come_before_agreement():
    U = [[2.0, 2.0]] * 4
    accepts = [[1, 1]] * 4
    kept = np.array([False, True, True, True])
    stale = np.array([False, True, False, False])
    allowed = np.array([True, True, False, True])
    a = _assess(U, accepts, passes=[True] * 4, kept=kept, stale=stale, allowed=allowed)
    assert rank(a).tolist() == [3, 2, 1, 0]


def test_in_the_last_round_a_twice_refused_draft_predicted_to_pass_beats_no_agreement():
    """tiny_example, every group silent, round 8 (seed 3): every draft predicted to pass was refused twice."""
    U = [[3.3, 3.3, 3.3], [3.7, 3.6, 3.6], [4.0, 4.1, 4.1]]
    accepts = [[1, 1, 0], [1, 1, 1], [1, 1, 1]]
    stale = np.array([False, True, True])
    fresh = np.array([False, True, False])
    a = _assess(U, accepts, passes=[False, True, True], stale=stale, fresh=fresh)
    assert rank(a).tolist() == [0, 1, 2]                        # before the last round: a different draft
    assert rank(a, last_round=True).tolist() == [1, 2, 0]       # then one predicted to pass, fresh first


def test_unaddressed_by_hand():
    """Group 1 objected twice to a draft worth (4, 2, 5): a candidate addresses it only if group 1 gains."""
    objected_U, objectors = np.array([[4.0, 2.0, 5.0]]), np.array([[False, True, False]])
    U = np.array([[1.0, 3.0, 1.0],     # group 1 better off: addressed (0), whatever the others lose
                  [4.0, 2.0, 5.0],     # the refused draft itself: no objector worse off (1)
                  [9.0, 1.5, 9.0]])    # group 1 worse off (2)
    assert unaddressed(U, objected_U, objectors).tolist() == [0, 1, 2]
    # two refused drafts: a candidate must address both (group 1's objection to the first, group 0's to the second)
    objected_U = np.vstack([objected_U, [[3.0, 9.0, 9.0]]])
    objectors = np.array([[False, True, False], [True, False, False]])
    assert unaddressed(U[[0]], objected_U, objectors).tolist() == [2]          # group 0: 1.0 < 3.0
    assert unaddressed(np.array([[3.5, 2.5, 0.0]]), objected_U, objectors).tolist() == [0]
    assert unaddressed(U, np.empty((0, 3)), np.empty((0, 3), dtype=bool)).tolist() == [0, 0, 0]


def test_a_graded_objection_ranks_addressed_first_and_the_last_round_still_takes_a_passing_draft():
    U = [[2.0, 2.0]] * 3
    a = _assess(U, [[1, 1]] * 3, passes=[True, True, False], stale=np.array([2, 1, 0]))
    assert rank(a).tolist() == [2, 1, 0]
    assert rank(a, last_round=True).tolist() == [0, 1, 2]     # passing ones grade 0; then support decides


def _private_mediator(beliefs: str) -> RuleMediator:
    ctx = make_context(load_scenario(ROOT / "scenarios" / "tiny_example.yaml"), information="private")
    m = RuleMediator("negotiated", beliefs=beliefs)
    m.reset(ctx.public, np.random.default_rng(0))
    return m


def test_the_graded_rule_asks_the_belief_whether_it_learns_from_decisions():
    """Same refusals, same candidates: graded under a belief with `decisions`, refused-or-not without."""
    refused = np.array([[1, 1, 0, 0, 0, 1]], dtype=np.int8)             # ramp + trees + mural, refused by group 0
    C = np.array([[1, 1, 0, 0, 0, 1], [0, 1, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0]], dtype=np.int8)   # refused, less, more
    grades = {}
    for name in ("item_values+decisions+ideal", "weights", "weights+decisions", "item_values"):
        m = _private_mediator(name)
        m._stale_rows, m._stale_groups = refused, np.array([[True, False, False]])
        grades[name] = m._stale(C).tolist()
        U, Ur = m.know.utilities(C), m.know.utilities(refused)
        want = unaddressed(U, Ur, m._stale_groups).tolist() if belief_settings(name).decisions else [1, 0, 0]
        assert grades[name] == want, name
    assert grades["item_values+decisions+ideal"] == [1, 2, 0] and grades["weights"] == [1, 0, 0]


@st.composite
def unanimous_assessments(draw):
    n, G = draw(st.integers(1, 8)), draw(st.integers(1, 5))
    cell = st.integers(0, 4).map(float)
    U = np.array(draw(st.lists(st.lists(cell, min_size=G, max_size=G), min_size=n, max_size=n)))
    accepts = np.array(draw(st.lists(st.lists(st.booleans(), min_size=G, max_size=G), min_size=n, max_size=n)))
    flag = st.lists(st.booleans(), min_size=n, max_size=n).map(lambda b: np.array(b, dtype=bool))
    return Assessment(utilities=U, accepts=accepts, passes=accepts.all(axis=1), objective=U.min(axis=1)[:, None],
                      kept=draw(flag), allowed=draw(flag), fresh=draw(flag), stale=draw(flag)), draw(st.booleans())


@settings(max_examples=300, deadline=None)
@given(unanimous_assessments())
def test_under_unanimity_the_order_is_the_old_one(case):
    a, last = case
    assert rank(a, last_round=last).tolist() == _old_order(a, last).tolist()


# Nothing predicted to pass (unanimity of 3). c0, the standing draft: groups 0 and 1 accept, worst off 2.0 (group 2,
# objecting); c1: only group 2 (its worst off, 2.2) accepts; c2: nobody accepts, worst off 2.5.
STANDING_DRAFT = dict(U=[[6.0, 5.0, 2.0], [4.0, 3.5, 2.2], [4.0, 4.0, 2.5]],
                      accepts=[[1, 1, 0], [0, 0, 1], [0, 0, 0]], passes=[False, False, False])


def test_standing_variants_order_a_round_where_nothing_passes():
    a = _assess(**STANDING_DRAFT)
    assert rank(a).tolist() == [0, 1, 2]                          # today: most predicted support first
    assert rank(a, standing="objective").tolist() == [2, 1, 0]    # the maximin objective first
    assert rank(a, standing="worst").tolist() == [1, 2, 0]        # only c1's worst-off group accepts, then objective
    assert rank(a, standing="slack").tolist() == [1, 0, 2]        # within one acceptor of the most: objective
    assert rank(a, standing="coarse").tolist() == [2, 0, 1]       # c2 a step (0.5) up; c0, c1 in one: support
    tie = _assess(U=[[3.0, 3.0, 2.0], [4.0, 3.0, 2.0]], accepts=[[0, 0, 0], [1, 0, 0]], passes=[False, False])
    assert rank(tie, standing="objective").tolist() == [1, 0]      # equal objective: predicted support decides
    passing = _assess(**{**STANDING_DRAFT, "passes": [True, False, False]})
    for standing in STANDING:               # something passes, or the last round: today's order
        assert rank(passing, standing=standing).tolist() == rank(passing).tolist()
        assert rank(a, last_round=True, standing=standing).tolist() == [0, 1, 2]


def test_an_unknown_standing_variant_is_refused():
    with pytest.raises(ValueError, match="standing='often'"):
        RuleMediator(standing="often")
