"""Known answers and properties of the survey statistics (Krippendorff, Kendall's W, between share, PL)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from sim.survey import agreement, luce
from sim.survey.stats import between_shares, kendall_w, kruskal_columns, mannwhitney_columns, permutations

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 observers x 12 units example
# (values 1-5, NaN = missing); the `krippendorff` package documents ordinal 0.815 for it, and the
# paper gives nominal 0.743, interval 0.849 and ratio 0.797.
KRIPPENDORFF_2011 = [[1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
                     [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
                     [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
                     [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN]]
# the package docstring's 3 coders x 15 units example: nominal 0.691358, interval 0.810845
DOCSTRING_EXAMPLE = [[NAN, NAN, NAN, NAN, NAN, 3, 4, 1, 2, 1, 1, 3, 3, NAN, 3],
                     [1, NAN, 2, 1, 3, 3, 4, 3, NAN, NAN, NAN, NAN, NAN, NAN, NAN],
                     [NAN, NAN, 2, 1, 3, 4, 4, NAN, 2, 1, 1, 3, 3, NAN, 4]]


def test_krippendorff_alpha_on_krippendorffs_own_example():
    assert agreement.alpha(KRIPPENDORFF_2011, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert agreement.alpha(KRIPPENDORFF_2011, "interval") == pytest.approx(0.849, abs=5e-4)
    assert agreement.alpha(KRIPPENDORFF_2011, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert agreement.alpha(DOCSTRING_EXAMPLE, "interval") == pytest.approx(0.810845, abs=1e-6)


def test_krippendorff_alpha_is_nan_where_undefined():
    assert np.isnan(agreement.alpha([[1, 2, 3]], "ordinal"))                 # one rater
    assert np.isnan(agreement.alpha([[2, 2, 2], [2, 2, 2]], "interval"))     # one value only


def test_kendall_w_hand_worked():
    # 3 raters rank 4 options: rank sums 4, 6, 8, 12; mean 7.5; S = 35; W = 12 S / (m^2 (n^3 - n)) = 420 / 540
    ranks = [[1, 2, 3, 4], [1, 3, 2, 4], [2, 1, 3, 4]]
    w, p = kendall_w(ranks)
    assert w == pytest.approx(7 / 9)
    assert p == pytest.approx(sps.chi2.sf(3 * 3 * 7 / 9, 3))              # chi2 = m (n - 1) W, n - 1 df
    # two options (scipy's Friedman needs three): rank sums 4, 5; S = 0.5; W = 6 / 54
    assert kendall_w([[1, 2], [1, 2], [2, 1]])[0] == pytest.approx(1 / 9)
    assert kendall_w([[1, 2, 3]] * 4)[0] == pytest.approx(1.0)
    assert kendall_w([[1, 2, 3], [2, 3, 1], [3, 1, 2]])[0] == pytest.approx(0.0)


def test_between_share_hand_worked_and_exact_permutation_p():
    # groups {1, 2} and {3, 4}: SS_between 4 of SS_total 5; 2 of the 6 splits into pairs reach it: p = 1/3
    X = np.array([[1.0], [2.0], [3.0], [4.0]])
    labels = np.array([0, 0, 1, 1])
    share, p = between_shares(X, labels, 2, np.array([0]), permutations(labels, 3000, seed=1))
    assert share[0] == pytest.approx(0.8)
    assert p[0] == pytest.approx(1 / 3, abs=0.03)


def test_identical_groups_give_share_zero_and_p_one():
    answers = np.array([1.0, 3.0, 4.0, 7.0, 2.0])
    X = np.tile(answers, 3)[:, None]                                          # three groups, same answers
    labels = np.repeat([0, 1, 2], 5)
    share, p = between_shares(X, labels, 3, np.array([0]), permutations(labels, 999, seed=0))
    assert share[0] == pytest.approx(0.0, abs=1e-12)
    assert p[0] == 1.0


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 4), st.integers(3, 8), st.integers(0, 2 ** 31 - 1))
def test_between_share_is_eta_squared_of_scipys_anova(groups, per_group, seed):
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(groups), per_group)
    x = rng.normal(size=labels.size) + rng.normal(size=groups)[labels]
    share, _ = between_shares(x[:, None], labels, groups, np.array([0]), permutations(labels, 19, seed))
    f = sps.f_oneway(*[x[labels == g] for g in range(groups)]).statistic
    df_b, df_w = groups - 1, labels.size - groups
    assert share[0] == pytest.approx(f * df_b / (f * df_b + df_w), rel=1e-9)
    assert 0.0 <= share[0] <= 1.0


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2 ** 31 - 1), st.floats(-5, 5), st.floats(0.1, 10))
def test_between_share_ignores_target_means_and_units(seed, shift, scale):
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1, 2], 6)
    X = rng.normal(size=(18, 4)) + rng.normal(size=(3, 4))[labels]
    perms = permutations(labels, 49, seed)
    share, p = between_shares(X, labels, 3, np.zeros(4, dtype=int), perms)
    moved = X * scale + shift + np.arange(4)[None, :]                          # per-target offsets, other units
    share2, p2 = between_shares(moved, labels, 3, np.zeros(4, dtype=int), perms)
    assert share2 == pytest.approx(share, rel=1e-9)
    assert p2 == pytest.approx(p)


def test_permutation_test_holds_its_level_under_no_group_effect():
    rejections = []
    for seed in range(300):
        rng = np.random.default_rng(seed)
        labels = np.repeat([0, 1, 2], 10)
        X = rng.integers(1, 8, size=(30, 1)).astype(float)                   # 1-7 answers, no group effect
        _, p = between_shares(X, labels, 3, np.array([0]), permutations(labels, 99, seed))
        rejections.append(p[0] < 0.05)
    rate = float(np.mean(rejections))
    assert 0.02 <= rate <= 0.09, f"rejection rate {rate:.3f} over 300 null surveys (binomial sd 0.013)"


def test_missing_answers_are_left_out_not_counted_as_zero():
    X = np.array([[1.0], [2.0], [np.nan], [3.0], [4.0], [np.nan]])
    labels = np.array([0, 0, 0, 1, 1, 1])
    share, _ = between_shares(X, labels, 2, np.array([0]), permutations(labels, 19, 0))
    assert share[0] == pytest.approx(0.8)


def test_kruskal_columns_match_scipy_column_by_column():
    rng = np.random.default_rng(3)
    labels = np.repeat([0, 1, 2], 7)
    X = rng.integers(1, 6, size=(21, 4)).astype(float)
    X[2, 1] = np.nan
    h, p, eps = kruskal_columns(X, labels, 3)
    for j in range(4):
        col = X[:, j]
        ref = sps.kruskal(*[col[(labels == g) & ~np.isnan(col)] for g in range(3)])
        assert h[j] == pytest.approx(ref.statistic) and p[j] == pytest.approx(ref.pvalue)
        assert eps[j] == pytest.approx(ref.statistic / ((~np.isnan(col)).sum() - 1))


def test_cliffs_delta_known_answers():
    delta, _ = mannwhitney_columns(np.array([[1.0], [2.0], [3.0]]), np.array([[4.0], [5.0], [6.0]]))
    assert delta[0] == pytest.approx(-1.0)
    delta, _ = mannwhitney_columns(np.array([[1.0], [2.0]]), np.array([[1.0], [2.0]]))
    assert delta[0] == pytest.approx(0.0)
    delta, _ = mannwhitney_columns(np.array([[1.0], [3.0]]), np.array([[2.0], [2.0]]))   # 2 wins, 2 losses
    assert delta[0] == pytest.approx(0.0)


def test_plackett_luce_two_options_is_bradley_terry():
    # a beats b 3 times, b beats a once: the strength ratio is 3 (MLE, no penalty)
    rankings = [(0, 1)] * 3 + [(1, 0)]
    assert luce.strengths(2, rankings, 1e-9) == pytest.approx([0.75, 0.25], abs=1e-6)
    assert luce.consensus_strengths(2, luce.padded(rankings), 1e-9) == pytest.approx([0.75, 0.25], abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 7), st.integers(1, 40), st.booleans(), st.integers(0, 2 ** 31 - 1),
       st.sampled_from([0.01, 0.5, 2.0]))
def test_vectorised_plackett_luce_equals_choix(n, raters, partial, seed, alpha):
    rng = np.random.default_rng(seed)
    utility = rng.normal(size=n)
    rankings = []
    for _ in range(raters):
        order = tuple(int(k) for k in np.argsort(-(utility + rng.gumbel(size=n))))
        rankings.append(order[:rng.integers(2, n + 1)] if partial else order)
    ours = luce.consensus_strengths(n, luce.padded(rankings), alpha)
    assert ours == pytest.approx(luce.strengths(n, rankings, alpha), abs=1e-5)   # two optimisers, each converged to ~1e-6
    assert ours.sum() == pytest.approx(1.0)


def test_rank_matrix_orders_read_ranks_best_first():
    ranks = np.array([[2, 1, 3], [np.nan, 2, 1], [1, np.nan, np.nan]])
    idx, valid = luce.rank_matrix_orders(ranks)
    assert [tuple(i[v]) for i, v in zip(idx, valid)] == [(1, 0, 2), (2, 1)]   # a single ranked option says nothing


def test_single_ranking_strengths_fall_with_position():
    s = luce.position_strengths(5, 5, 1.0)
    assert all(a > b for a, b in zip(s, s[1:])) and sum(s) == pytest.approx(1.0)
    top2 = luce.position_strengths(5, 2, 1.0)
    assert top2[0] > top2[1] and top2[2] == pytest.approx(top2[3]) == pytest.approx(top2[4])
