"""Known answers and invariants of the metrics of docs/design.md ("Metrics")."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import metrics

finite = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)


def test_gini_known_answers():
    assert metrics.gini(np.array([1, 2, 3, 4, 5])) == pytest.approx(4 / 15, abs=1e-12)
    assert metrics.gini(np.array([0, 0, 0, 0, 1])) == pytest.approx(0.8, abs=1e-12)
    assert metrics.gini(np.array([3.0, 3.0, 3.0])) == 0.0


def test_gini_undefined_when_mean_not_positive():
    assert metrics.gini(np.array([0.0, 0.0])) is None
    assert metrics.gini(np.array([-1.0, 0.5])) is None


def test_p20_uses_numpy_linear_percentile():
    s = np.array([0.0, 0.25, 0.5, 1.0, 1.0])
    # linear interpolation: position 0.2 * 4 = 0.8 between 0.0 and 0.25
    assert metrics.p20(s) == pytest.approx(0.2)


def test_satisfaction_min_max_per_unit_and_flat_units():
    U = np.array([[1.0, 2.0, 5.0], [3.0, 2.0, 5.0], [2.0, 2.0, 5.0]])
    S = metrics.satisfaction(U)
    assert S[:, 0].tolist() == [0.0, 1.0, 0.5]
    assert S[:, 1].tolist() == [1.0, 1.0, 1.0]   # hi == lo -> fully satisfied
    assert S[:, 2].tolist() == [1.0, 1.0, 1.0]


def test_worst_group_and_totals():
    u = np.array([4.0, 1.5, 1.5, 9.0])
    assert metrics.worst_group(u) == (1.5, 1)
    assert metrics.total(u) == 16.0
    assert metrics.total_weighted(u, np.array([1, 2, 0, 1])) == 16.0


def test_nash_welfare_is_geometric_mean_of_gains():
    assert metrics.nash_welfare(np.array([3.0, 9.0]), np.array([1.0, 1.0])) == pytest.approx(4.0)
    assert metrics.nash_welfare(np.array([3.0, 1.0]), np.array([1.0, 1.0])) == 0.0


def test_lorenz_curve_ends():
    pop, share = metrics.lorenz_curve(np.array([1.0, 3.0]))
    assert pop.tolist() == [0.0, 0.5, 1.0]
    assert share.tolist() == [0.0, 0.25, 1.0]


@settings(max_examples=80, deadline=None)
@given(st.lists(finite, min_size=2, max_size=12), st.randoms(use_true_random=False))
def test_metrics_invariant_to_group_order(values, rnd):
    u = np.array(values)
    perm = np.array(rnd.sample(range(len(u)), len(u)))
    assert metrics.total(u[perm]) == pytest.approx(metrics.total(u))
    assert metrics.worst_group(u[perm])[0] == metrics.worst_group(u)[0]
    g1, g2 = metrics.gini(u), metrics.gini(u[perm])
    assert (g1 is None) == (g2 is None)
    if g1 is not None:
        assert g2 == pytest.approx(g1, abs=1e-12)
        assert 0.0 <= g1 <= 1.0 - 1.0 / len(u) + 1e-12
    assert metrics.p20(u[perm]) == pytest.approx(metrics.p20(u))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0.01, max_value=50), min_size=2, max_size=10),
       st.floats(min_value=0.1, max_value=10))
def test_gini_scale_invariant(values, factor):
    u = np.array(values)
    assert metrics.gini(u * factor) == pytest.approx(metrics.gini(u), abs=1e-9)


def test_gini_rows_is_the_one_formula_with_an_explicit_undefined_value():
    """Batched and scalar Gini agree; at mean <= 0 the scalar is None and the batch holds `undefined`."""
    U = np.array([[1, 2, 3, 4, 5], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0], [-1, 0, 0, 0, 0], [2, 2, 2, 2, 2]], float)
    rows = metrics.gini_rows(U)
    assert rows[:2] == pytest.approx([4 / 15, 0.8]) and rows[4] == 0.0
    assert np.isnan(rows[2]) and np.isnan(rows[3])
    assert list(metrics.gini_rows(U, undefined=0.0)[2:4]) == [0.0, 0.0]
    for u, g in zip(U, rows):
        assert metrics.gini(u) == (None if np.isnan(g) else g)


def test_satisfaction_against_a_reference_and_p20_rows():
    ref = np.array([[0.0, 10.0], [4.0, 10.0]])
    S = metrics.satisfaction(np.array([[2.0, 3.0], [8.0, 10.0]]), reference=ref)
    assert S.tolist() == [[0.5, 1.0], [2.0, 1.0]]            # unit 2 is flat in the reference
    assert metrics.p20_rows(S).tolist() == [metrics.p20(S[0]), metrics.p20(S[1])]
