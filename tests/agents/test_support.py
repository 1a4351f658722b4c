"""The private mediator's support model (agents.support): known answers, invariants, no cheap talk."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.mediators import RuleMediator
from agents.support import MARGIN, SCALE, SupportModel, credibility
from sim.core.context import make_context
from sim.core.protocol import PublicState, Reply
from sim.core.scenario import load_scenario
from tests.conftest import ROOT


def test_the_public_concession_curve_by_hand():
    m = SupportModel(n_groups=1, max_rounds=8)
    assert m.concession(1) == 1.0 and m.concession(8) == 0.0
    # round 4 of 8: 1 - (3/7) ** 2.5 = 1 - 0.1836735 * 0.6546537 = 1 - 0.1202425
    assert m.concession(4) == pytest.approx(0.8797575, abs=1e-6)


def _fixed_share(S):
    return lambda X: np.asarray(S, dtype=float)[: len(X)]


def test_floor_bounds_by_hand():
    """T = 5, round 3: q0 = 1 - 0.5 ** 2.5 = 0.823223; group 0 accepts share 0.9, group 1 objects to 0.85."""
    m = SupportModel(n_groups=2, max_rounds=5)
    m.record(3, np.array([1, 0], dtype=np.int8), {0: True, 1: False})
    share, kept = _fixed_share([[0.9, 0.85]]), lambda X: np.ones((len(X), 2), dtype=bool)
    low, high = m.bounds(share, kept)
    assert high[0] == pytest.approx((0.9 - 0.823223) / 0.176777, abs=1e-5)     # 0.434315
    assert low[1] == pytest.approx((0.85 - 0.823223) / 0.176777 + MARGIN, abs=1e-5)   # 0.171472
    assert np.isinf(low[0]) and np.isinf(high[1])
    assert m.floors(share, kept) == pytest.approx([0.0, 0.171472], abs=1e-5)


def test_objections_are_read_on_the_highest_plausible_scale_and_accepts_on_the_believed_one():
    """The same decisions as above with `share_low` (shares up to the highest plausible best): only the objection moves."""
    m = SupportModel(n_groups=2, max_rounds=5)
    m.record(3, np.array([1, 0], dtype=np.int8), {0: True, 1: False})
    kept = lambda X: np.ones((len(X), 2), dtype=bool)     # noqa: E731
    low, high = m.bounds(_fixed_share([[0.9, 0.85]]), kept, _fixed_share([[0.5, 0.84]]))
    assert high[0] == pytest.approx((0.9 - 0.823223) / 0.176777, abs=1e-5)      # the accept: believed scale
    assert low[1] == pytest.approx((0.84 - 0.823223) / 0.176777 + MARGIN, abs=1e-5)   # the objection: 0.114904
    assert m.floors(_fixed_share([[0.9, 0.85]]), kept, _fixed_share([[0.5, 0.84]])) == pytest.approx([0.0, 0.114904],
                                                                                                     abs=1e-5)


def test_an_objection_to_a_draft_breaking_a_stated_red_line_says_nothing_about_the_floor():
    m = SupportModel(n_groups=1, max_rounds=5)
    m.record(3, np.array([1], dtype=np.int8), {0: False})
    low, high = m.bounds(_fixed_share([[0.95]]), lambda X: np.zeros((len(X), 1), dtype=bool))
    assert np.isinf(low[0]) and np.isinf(high[0])


decisions = st.lists(st.tuples(st.integers(1, 10), st.floats(0, 1), st.booleans()), min_size=1, max_size=12)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(decisions, st.integers(2, 10))
def test_the_floor_reproduces_the_last_informative_decision(history, T):
    """Bounds stay ordered, needs lie in [0, 1] and fall over the rounds, and the estimated floor
    predicts the group's last decision (made with q0 < 1) again at that round."""
    history = sorted(history, key=lambda d: d[0])
    m = SupportModel(n_groups=1, max_rounds=T)
    for i, (t, _, accept) in enumerate(history):
        m.record(t, np.array([i], dtype=np.int64), {0: accept})
    S = np.array([[s] for _, s, _ in history])
    share, kept = (lambda X: S[np.asarray(X)[:, 0]]), (lambda X: np.ones((len(X), 1), dtype=bool))
    low, high = m.bounds(share, kept)
    floor = m.floors(share, kept)
    assert low[0] <= high[0] and low[0] - 1e-12 <= max(floor[0], low[0]) and floor[0] <= high[0] + 1e-12
    needs = [m.needs(t, floor)[0] for t in range(1, T + 1)]
    assert all(0.0 <= n <= 1.0 for n in needs) and all(a >= b - 1e-12 for a, b in zip(needs, needs[1:]))
    informative = [(t, s, a) for t, s, a in history if m.concession(t) < 1.0 - 1e-9]
    if informative:
        t, s, accept = informative[-1]
        need = m.needs(t, floor)[0]
        assert need <= s + 1e-9 if accept else (need > s or need == 1.0)   # no group needs more than its best


def test_credibility_by_hand():
    assert credibility(0.9, 0.0, 0.5, 1.0) == 1.0                       # round 1: nothing implied
    assert credibility(0.6, 0.0, 0.5, 0.5) == 1.0                       # implied floor 0.2 within [0, 0.5]
    assert credibility(0.5 + 0.5 * (0.5 + SCALE), 0.0, 0.5, 0.5) == pytest.approx(0.5)   # SCALE above the bound
    assert credibility(0.5 + 0.5 * (0.5 + 2 * SCALE), 0.0, 0.5, 0.5) == pytest.approx(0.25)


def test_predicted_support_ignores_stated_reservations():
    """No cheap talk: on one belief, replies that differ only in the stated reservation (or its absence)
    give the same predicted requirement; a stated reservation may only move the belief."""
    ctx = make_context(load_scenario(ROOT / "scenarios/tiny_example.yaml"))
    m = RuleMediator("negotiated")
    m.reset(ctx.public, np.random.default_rng(0))
    m.act(PublicState(round=0))
    draft = ctx.rubric.package(list(m.act(PublicState(round=1)).package))
    ids = ctx.rubric.group_ids

    def replies(level):
        return {g: Reply(g, i == 0, (), "", level(i)) for i, g in enumerate(ids)}

    m.act(PublicState(round=2, draft=draft, last_replies=replies(lambda i: None)))
    variants = [replies(lambda i: None), replies(lambda i: 0.0), replies(lambda i: 100.0 + i)]
    needs = [m._thresholds(draft, r, {g: x for g, x in r.items() if not x.accept}) for r in variants]
    assert np.allclose(needs[0], needs[1]) and np.allclose(needs[0], needs[2])
    assert (needs[0] < 100.0).all()


def test_ordered_pairs_by_hand():
    """Group 0 accepts a at round 1 and b at round 2, then objects to c at round 3: a > c and b > c.
    Group 1 objects to a draft breaking its stated red line: nothing. Group 2 objected first, accepted later: nothing."""
    a, b, c = (np.array(x, dtype=np.int8) for x in ([1, 0, 0], [0, 1, 0], [0, 0, 1]))
    m = SupportModel(n_groups=3, max_rounds=5)
    m.record(1, a, {0: True, 1: True, 2: False})
    m.record(2, b, {0: True, 1: True, 2: True})
    m.record(3, c, {0: False, 1: False, 2: True})
    kept = lambda X: np.tile([True, False, True], (len(X), 1))  # noqa: E731
    pairs = m.ordered_pairs(kept)
    assert set(pairs) == {0}
    better, worse = pairs[0]
    assert sorted(map(tuple, better)) == [(0, 1, 0), (1, 0, 0)] and (worse == c).all()


@settings(max_examples=40, deadline=None, derandomize=True)
@given(values=st.lists(st.floats(-3, 3), min_size=4, max_size=4), demand=st.lists(st.floats(-3, 6), min_size=6, max_size=6),
       drafts=st.lists(st.integers(0, 15), min_size=6, max_size=6))
def test_every_ordered_pair_holds_for_a_group_whose_demand_never_rises(values, demand, drafts):
    """Brute force: a group accepting a draft iff its value reaches a non-increasing demand; every pair is true."""
    v, need = np.array(values), np.sort(demand)[::-1]
    m = SupportModel(n_groups=1, max_rounds=6)
    kept = lambda X: np.ones((len(X), 1), dtype=bool)  # noqa: E731
    for t, (k, d) in enumerate(zip(drafts, need), start=1):
        x = np.array([(k >> i) & 1 for i in range(4)], dtype=np.int8)
        m.record(t, x, {0: bool(x @ v >= d)})
        for better, worse in m.ordered_pairs(kept).values():
            assert (better @ v > worse @ v).all()


def test_accepts_of_the_last_round_by_hand():
    """Round 1 (full demand): nothing. Round 3 of 5: q0 = 1 - (2/4) ** (1 / 0.4) for each group that accepted."""
    m = SupportModel(n_groups=3, max_rounds=5)
    m.record(1, np.array([1, 0], dtype=np.int8), {0: True, 1: True, 2: True})
    assert m.accepted_last() == {}
    m.record(3, np.array([0, 1], dtype=np.int8), {0: True, 1: False})
    assert m.accepted_last() == {0: pytest.approx(1.0 - 0.5 ** 2.5)}


def test_an_accept_row_by_hand():
    """Accepting a = {x} at q0 = 0.25 with best p = {y}, disagreement d = {z}: v_x - 0.25 v_y - 0.75 v_z >= 0."""
    from types import SimpleNamespace

    from agents.listening import accept_rows
    know = SimpleNamespace(ideal_packages=np.array([[0, 1, 0]]), disagreement=np.array([0, 0, 1]),
                           beliefs=SimpleNamespace(E=np.eye(3)))
    rows, b = accept_rows(know, 0, np.array([1, 0, 0]), 0.25)
    assert np.allclose(rows, [[1.0, -0.25, -0.75]]) and np.allclose(b, [0.0])


@settings(max_examples=40, deadline=None, derandomize=True)
@given(values=st.lists(st.floats(-3, 3), min_size=4, max_size=4), floor=st.floats(0, 1),
       t=st.integers(2, 6), d_code=st.integers(0, 15), a_code=st.integers(0, 15))
def test_an_accept_row_holds_for_every_package_a_public_concession_group_accepts(values, floor, t, d_code, a_code):
    """Brute force over all 16 packages: a group with the public concession curve and any floor share >= 0
    accepts a at round t; then u(a) >= q0 u(p) + (1 - q0) u(d) for every p taken as the believed best."""
    from types import SimpleNamespace

    from agents.listening import accept_rows
    v = np.array(values)
    X = np.array([[(k >> i) & 1 for i in range(4)] for k in range(16)], dtype=np.int8)
    d, a = X[d_code], X[a_code]
    m = SupportModel(n_groups=1, max_rounds=6)
    U = X @ v
    need = m.needs(t, np.array([floor]))[0]
    if U[a_code] < U[d_code] + need * (U.max() - U[d_code]):
        return                                       # the group would object: no accept to read
    q0 = m.concession(t)
    for p in X:
        know = SimpleNamespace(ideal_packages=p[None], disagreement=d, beliefs=SimpleNamespace(E=np.eye(4)))
        rows, b = accept_rows(know, 0, a, q0)
        assert (rows @ v >= b - 1e-9).all()


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 7), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_distinct_rows_equal_numpys_unique_rows_in_order(n, k, seed):
    """The ordered pairs' accepted drafts, deduplicated as np.unique(axis=0) did: same rows, same order."""
    from agents.support import distinct_rows

    X = np.random.default_rng(seed).integers(0, 2, size=(n, k)).astype(np.int8)
    got, want = distinct_rows(X), (np.unique(X, axis=0) if n else X[:0])
    assert got.dtype == want.dtype and got.shape == want.shape and (got == want).all()


def _bounds_read_in_order(m: SupportModel, S: np.ndarray, K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The floor bounds by hand: decisions read one round at a time, a later one overriding an earlier bound."""
    low, high = [-np.inf] * m.n_groups, [np.inf] * m.n_groups
    for i, t in enumerate(m.rounds):
        q0 = m.concession(t)
        if q0 >= 1.0 - 1e-9:
            continue
        for g in range(m.n_groups):
            b = (S[i, g] - q0) / (1.0 - q0)
            if m.heard[i][g] and m.accepted[i][g]:
                high[g], low[g] = b, min(low[g], b)
            elif m.heard[i][g] and K[i, g]:
                low[g], high[g] = b + MARGIN, max(high[g], b + MARGIN)
    return np.array(low), np.array(high)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.integers(2, 9), st.integers(1, 3), st.data())
def test_bounds_equal_the_decisions_read_in_order(T, G, data):
    """The vectorised bounds (agents.support.SupportModel.bounds) equal a round-by-round reading, float for float."""
    m = SupportModel(n_groups=G, max_rounds=T)
    n = data.draw(st.integers(1, 10))
    rounds = sorted(data.draw(st.lists(st.integers(1, T), min_size=n, max_size=n)))
    for i, t in enumerate(rounds):
        decided = data.draw(st.lists(st.sampled_from([None, True, False]), min_size=G, max_size=G))
        m.record(t, np.array([i], dtype=np.int64), {g: a for g, a in enumerate(decided) if a is not None})
    S = np.array(data.draw(st.lists(st.lists(st.floats(-0.5, 1.5), min_size=G, max_size=G), min_size=n, max_size=n)))
    K = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=G, max_size=G), min_size=n, max_size=n)))
    low, high = m.bounds(lambda X: S[np.asarray(X)[:, 0]], lambda X: K[np.asarray(X)[:, 0]])
    want_low, want_high = _bounds_read_in_order(m, S, K)
    assert low.tolist() == want_low.tolist() and high.tolist() == want_high.tolist()
