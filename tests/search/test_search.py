"""sim.search.exact: known answers, enumeration vs MILP agreement, feasibility and Pareto properties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core.rubric import Rubric, build_rubric
from sim.core.scenario import parse_scenario
from sim.search import exact as search
from sim.search.exact import (
    OBJECTIVES,
    cached,
    dominating_package,
    enumerate_feasible,
    ideal_point,
    is_pareto_optimal,
    optimise,
    pareto_frontier,
)

PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
METHODS = ("enumeration", "milp")


def _item(item_id: str, a: float, b: float, c: float, cost: float, **extra) -> dict:
    return {"id": item_id, "cost": cost, "effects": {"a": a, "b": b, "c": c}, **extra}


# Three groups, each caring about one criterion, so V[g, k] is the item's score on it.
# Budget 8; p excludes q; s requires r. Feasible packages (A, B, C), total, min:
#   {} (0,0,0) 0 0 | p (6,0,0) 6 0 | q (0,6,1) 7 0 | r (2,2,2) 6 2 | pr (8,2,2) 12 2
#   qr (2,8,3) 13 2 | rs (2,5,5) 12 2 | t (3,3,5.5) 11.5 3 | w (3,4,4) 11 3
KNOWN = {
    "name": "known", "budget": 8,
    "criteria": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
    "items": [_item("p", 6, 0, 0, 4, excludes=["q"]), _item("q", 0, 6, 1, 4),
              _item("r", 2, 2, 2, 3), _item("s", 0, 3, 3, 3, requires=["r"]),
              _item("t", 3, 3, 5.5, 8), _item("w", 3, 4, 4, 8)],
    "groups": [{"id": "A", "weights": {"a": 1}}, {"id": "B", "weights": {"b": 1}},
               {"id": "C", "weights": {"c": 1}}],
}


def rubric_of(data: dict) -> Rubric:
    return build_rubric(parse_scenario(data))


@pytest.fixture(scope="module")
def known() -> Rubric:
    return rubric_of(KNOWN)


# ---------------------------------------------------------------- known answers

# Hand computation from the table above:
#   utilitarian: qr has the largest total 13 (worst 2).
#   maximin: only t and w reach a worst group of 3; t has the larger total 11.5.
#   leximin: sorted t = (3, 3, 5.5) < w = (3, 4, 4).
#   nash (d = 0): products r 8, pr 32, qr 48, rs 50, t 49.5, w 48 -> rs, log 50.
#   kalai (d = 0): ideal (8, 8, 5.5); min ratios t 3/8, w 3/8, others 1/4 -> t (total 11.5).
EXPECTED = {
    "utilitarian": (["q", "r"], (13.0, 2.0)),
    "maximin": (["t"], (3.0, 11.5)),
    "leximin": (["w"], (3.0, 4.0, 4.0)),
    "nash": (["r", "s"], (np.log(50.0), 12.0)),
    "kalai": (["t"], (0.375, 11.5)),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_known_optimum_per_objective(known, objective, method):
    result = optimise(known, objective, method=method)
    ids, score = EXPECTED[objective]
    assert known.ids(result.package) == ids
    assert result.score == pytest.approx(score, abs=1e-9)
    assert result.method == method and result.objective == objective
    assert result.package.dtype == np.int8


@pytest.mark.parametrize("method", METHODS)
def test_known_answers_with_a_disagreement_point(known, method):
    d = np.array([1.0, 4.0, 0.0])
    # gains must all be > 0: only qr (1,4,3) -> 12 and rs (1,1,5) -> 5 qualify
    nash = optimise(known, "nash", disagreement=d, method=method)
    assert known.ids(nash.package) == ["q", "r"]
    assert nash.score[0] == pytest.approx(np.log(12.0))
    # ideal - d = (7, 4, 5.5); qr and rs tie at 1/7 (group A), qr has the larger total
    kalai = optimise(known, "kalai", disagreement=d, method=method)
    assert known.ids(kalai.package) == ["q", "r"]
    assert kalai.score == pytest.approx((1 / 7, 13.0))


@pytest.mark.parametrize("method", METHODS)
def test_known_group_bests_ideal_and_frontier(known, method):
    assert ideal_point(known, method=method).tolist() == [8.0, 8.0, 5.5]
    assert known.ids(search.best_for_group(known, 0, method=method).package) == ["p", "r"]
    assert known.ids(search.best_for_group(known, 1, method=method).package) == ["q", "r"]
    assert known.ids(search.best_for_group(known, 2, method=method).package) == ["t"]
    frontier = pareto_frontier(known, method=method)
    assert [(p.total, p.worst_group, known.ids(p.package)) for p in frontier] == [
        (13.0, 2.0, ["q", "r"]), (11.5, 3.0, ["t"])]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("ids, dominator", [
    (["w"], None), (["p", "r"], None), (["r", "s"], None), (["t"], None),
    (["r"], ["q", "r"]),      # r (2,2,2) is dominated by pr, qr, rs, t, w; qr has the top total
    (["p"], ["p", "r"]),      # p (6,0,0): only pr (8,2,2) dominates it
    ([], ["q", "r"]),
])
def test_known_dominating_package(known, method, ids, dominator):
    y = dominating_package(known, known.package(ids), method=method)
    assert (None if y is None else known.ids(y)) == dominator
    assert is_pareto_optimal(known, known.package(ids), method=method) == (dominator is None)


def _unit_items(*scores: tuple[float, float]) -> Rubric:
    """Budget for one of several unit-cost items; groups A and B score them (A, B)."""
    return rubric_of({
        "name": "ties", "budget": 1, "criteria": [{"id": "a"}, {"id": "b"}],
        "items": [{"id": f"i{k}", "cost": 1, "effects": dict(zip("ab", s))}
                  for k, s in enumerate(scores)],
        "groups": [{"id": "A", "weights": {"a": 1}}, {"id": "B", "weights": {"b": 1}}]})


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("scores", [
    [(4, 0), (2, 2)], [(2, 2)] + [(4, 0)] * 5, [(3, 1), (1, 3), (2, 2), (4, 0), (0, 4)]])
def test_utilitarian_breaks_total_ties_by_the_worst_group(method, scores):
    result = optimise(_unit_items(*scores), "utilitarian", method=method)
    assert result.utilities.tolist() == [2.0, 2.0] and result.score == (4.0, 2.0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("scores", [
    [(2, 2), (2, 5)], [(2, 5)] + [(2, 2)] * 5, [(2, 3), (2, 2), (2, 9), (2, 4)]])
def test_maximin_and_group_best_break_ties_by_total(method, scores):
    rubric = _unit_items(*scores)      # every item gives group A exactly 2
    best = float(max(sum(s) for s in scores))
    assert optimise(rubric, "maximin", method=method).score == (2.0, best)
    assert search.best_for_group(rubric, 0, method=method).score == (2.0, best)


@pytest.mark.parametrize("max_points", [3, 50])
def test_frontier_middle_points_and_tie_breaks(max_points):
    # one unit-cost item: (10,0) T10 W0, (7,2) T9 W2, (6,3) T9 W3, (4,4) T8 W4, (3,3) T6 W3.
    # Frontier: (10,0), (9,3), (8,4); (7,2) ties (6,3) on total but has a lower worst group.
    rubric = _unit_items((10, 0), (7, 2), (6, 3), (4, 4), (3, 3))
    for method in METHODS:
        frontier = pareto_frontier(rubric, method=method, max_points=max_points)
        assert [(p.total, p.worst_group) for p in frontier] == [(10, 0), (9, 3), (8, 4)]
        assert [p.package.tolist().index(1) for p in frontier] == [0, 2, 3]
    assert len(pareto_frontier(rubric, method="milp", max_points=2)) == 2   # the two ends only


def test_exact_ties_go_to_the_lowest_binary_index():
    for objective in OBJECTIVES:
        result = optimise(_unit_items((3, 1), (3, 1)), objective, method="enumeration")
        assert result.package.tolist() == [1, 0], objective


@pytest.mark.parametrize("method", METHODS)
def test_dominance_of_infeasible_packages(known, method):
    everything = np.ones(known.n_items, dtype=np.int8)       # over budget, beyond any package
    assert dominating_package(known, everything, method=method) is None
    p_and_q = known.package(["p", "q"])                      # excluded pair (6,6,1): none >= it
    assert dominating_package(known, p_and_q, method=method) is None
    q_and_s = known.package(["q", "s"])                      # s without r, (0,9,4): no B >= 9
    assert dominating_package(known, q_and_s, method=method) is None
    s_only = known.package(["s"])                            # (0,3,3) -> qr (2,8,3) dominates
    assert known.ids(dominating_package(known, s_only, method=method)) == ["q", "r"]


def test_enumeration_order_and_limit(known):
    X = enumerate_feasible(known)
    index = X.astype(np.int64) @ (1 << np.arange(known.n_items))
    # {}, p, q, r, pr, qr, rs, t, w as binary indices (item k = bit k)
    assert index.tolist() == [0, 1, 2, 4, 5, 6, 12, 16, 32]
    with pytest.raises(ValueError, match="enumeration limit"):
        enumerate_feasible(known, max_items=5)


def test_bad_arguments_are_rejected(known):
    with pytest.raises(ValueError, match="unknown objective"):
        optimise(known, "egalitarian")
    with pytest.raises(ValueError, match="one utility per group"):
        optimise(known, "nash", disagreement=[0.0, 1.0])
    with pytest.raises(ValueError, match="unknown method"):
        optimise(known, "maximin", method="greedy")


@pytest.mark.parametrize("method", METHODS)
def test_nash_falls_back_when_no_package_gains_for_everyone(method):
    data = {**KNOWN, "groups": KNOWN["groups"] + [{"id": "D", "weights": {"a": 1}}],
            "items": [{**it, "group_effects": {"D": {"a": -1}}} for it in KNOWN["items"]]}
    rubric = rubric_of(data)      # group D loses from every item: no all-positive gains
    result = optimise(rubric, "nash", method=method)
    assert result.details["fallback"] == "utilitarian"
    assert result.score == optimise(rubric, "utilitarian", method="enumeration").score


@pytest.mark.parametrize("method", METHODS)
def test_kalai_skips_groups_that_cannot_gain(known, method):
    d = np.array([0.0, 0.0, 5.5])          # group C is already at its ideal
    result = optimise(known, "kalai", disagreement=d, method=method)
    assert result.details["skipped_groups"] == [2]
    # over A and B only: min(u_A, u_B) / 8 is 3/8 for t and w (tie); t has the larger total
    assert result.score == pytest.approx((0.375, 11.5))


# ---------------------------------------------------------------- random scenarios

@st.composite
def scenarios(draw, min_items: int = 4, max_items: int = 12) -> Rubric:
    """Random valid scenarios: integer effects (possibly negative), acyclic requires, excludes."""
    K = draw(st.integers(min_items, max_items))
    n_groups, n_crit = draw(st.integers(2, 5)), draw(st.integers(1, 3))
    crit = [f"c{i}" for i in range(n_crit)]
    rank = draw(st.permutations(range(K)))          # requires point to lower ranks: no cycles
    costs = draw(st.lists(st.integers(0, 20), min_size=K, max_size=K))
    items = []
    for k in range(K):
        effects = draw(st.lists(st.integers(-5, 9), min_size=n_crit, max_size=n_crit))
        reqs = [j for j in draw(st.lists(st.integers(0, K - 1), max_size=2, unique=True))
                if rank[j] < rank[k]]
        excl = [j for j in draw(st.lists(st.integers(0, K - 1), max_size=1))
                if j != k and j not in reqs]
        items.append({"id": f"i{k}", "cost": costs[k], "effects": dict(zip(crit, effects)),
                      "requires": [f"i{j}" for j in reqs], "excludes": [f"i{j}" for j in excl]})
    groups = []
    for g in range(n_groups):
        w = draw(st.lists(st.integers(0, 4), min_size=n_crit, max_size=n_crit))
        groups.append({"id": f"g{g}", "weights": dict(zip(crit, [max(w[0], 1)] + w[1:]))})
    if draw(st.booleans()):      # one group-specific override, possibly against the crowd
        k, g = draw(st.integers(0, K - 1)), draw(st.integers(0, n_groups - 1))
        items[k]["group_effects"] = {f"g{g}": {crit[0]: draw(st.integers(-9, 9))}}
    budget = draw(st.integers(max(1, min(costs)), max(1, sum(costs))))
    return rubric_of({"name": "random", "budget": budget, "criteria": [{"id": c} for c in crit],
                      "items": items, "groups": groups})


def brute_force(rubric: Rubric) -> np.ndarray:
    """All feasible packages by plain iteration (independent of the vectorised enumeration)."""
    rows = [x for x in itertools.product((0, 1), repeat=rubric.n_items)
            if rubric.feasible(np.array(x, dtype=np.int8))]
    return np.array(rows, dtype=np.int8)


def dominates(uy: np.ndarray, ux: np.ndarray, tol: float = 1e-9) -> bool:
    return bool(np.all(uy >= ux - tol) and np.any(uy > ux + tol))


def assert_feasible(rubric: Rubric, x: np.ndarray) -> None:
    assert x.shape == (rubric.n_items,) and set(np.unique(x)) <= {0, 1}
    assert rubric.cost(x) <= rubric.budget + 1e-9
    assert all(x[j] for k, j in rubric.requires if x[k])
    assert not any(x[k] and x[j] for k, j in rubric.excludes)


@PROPERTY
@given(scenarios(max_items=10))
def test_enumeration_matches_brute_force_and_oracle_optima(rubric):
    X = enumerate_feasible(rubric)
    B = brute_force(rubric)
    assert {r.tobytes() for r in X} == {r.tobytes() for r in B} and len(X) == len(B)
    U = rubric.utilities(B)
    assert optimise(rubric, "utilitarian").score[0] == pytest.approx(U.sum(axis=1).max())
    assert optimise(rubric, "maximin").score[0] == pytest.approx(U.min(axis=1).max())
    best_sorted = max(tuple(np.round(np.sort(u), 9)) for u in U)
    assert optimise(rubric, "leximin").score == pytest.approx(best_sorted, abs=1e-8)


@PROPERTY
@given(scenarios())
def test_milp_agrees_with_enumeration_and_results_are_feasible(rubric):
    for objective in OBJECTIVES:
        exact = optimise(rubric, objective, method="enumeration")
        milp = optimise(rubric, objective, method="milp")
        for result in (exact, milp):
            assert_feasible(rubric, result.package)
            assert np.allclose(result.utilities, rubric.utilities(result.package))
        if objective == "nash":
            assert ("fallback" in exact.details) == ("fallback" in milp.details)
            # geometric mean of gains (Nash welfare) within 0.1%; enumeration is the exact max
            gap = (exact.score[0] - milp.score[0]) / rubric.n_groups
            assert -1e-9 <= gap <= np.log(1.001)
        else:
            assert np.allclose(milp.score, exact.score, atol=1e-6, rtol=0), objective


@PROPERTY
@given(scenarios(), st.data())
def test_results_with_a_disagreement_point_are_feasible_and_agree(rubric, data):
    X = enumerate_feasible(rubric)
    d = rubric.utilities(X[data.draw(st.integers(0, len(X) - 1))])   # a status quo package
    for objective in ("nash", "kalai"):
        exact = optimise(rubric, objective, disagreement=d, method="enumeration")
        milp = optimise(rubric, objective, disagreement=d, method="milp")
        assert_feasible(rubric, exact.package)
        assert_feasible(rubric, milp.package)
        assert ("fallback" in exact.details) == ("fallback" in milp.details)
        tol = 1e-3 * rubric.n_groups if objective == "nash" else 1e-6
        assert exact.score[0] == pytest.approx(milp.score[0], abs=tol), objective


@PROPERTY
@given(scenarios(), st.data())
def test_dominating_package_agrees_between_methods_and_really_dominates(rubric, data):
    X = enumerate_feasible(rubric)
    x = X[data.draw(st.integers(0, len(X) - 1))]
    ux = rubric.utilities(x)
    found = {m: dominating_package(rubric, x, method=m) for m in METHODS}
    assert (found["enumeration"] is None) == (found["milp"] is None)
    for y in found.values():
        if y is not None:
            assert_feasible(rubric, y)
            assert dominates(rubric.utilities(y), ux)
    if found["enumeration"] is None:     # then no feasible package dominates x at all
        assert not any(dominates(u, ux) for u in rubric.utilities(X))


@PROPERTY
@given(scenarios())
def test_welfare_optima_are_pareto_optimal_and_ideal_points_agree(rubric):
    for objective in ("utilitarian", "leximin"):
        assert is_pareto_optimal(rubric, optimise(rubric, objective).package)
    assert np.allclose(ideal_point(rubric, method="milp"), ideal_point(rubric), atol=1e-9)
    for g in range(rubric.n_groups):
        e = search.best_for_group(rubric, g, method="enumeration")
        m = search.best_for_group(rubric, g, method="milp")
        assert np.allclose(e.score, m.score, atol=1e-6)


@PROPERTY
@given(scenarios())
def test_frontier_is_non_dominated_and_covers_every_feasible_package(rubric):
    frontier = pareto_frontier(rubric, method="enumeration")
    points = np.array([(p.total, p.worst_group) for p in frontier])
    assert list(points[:, 1]) == sorted(points[:, 1])
    for p in frontier:
        assert_feasible(rubric, p.package)
        u = rubric.utilities(p.package)
        assert (p.total, p.worst_group) == pytest.approx((u.sum(), u.min()))
    for i, j in itertools.permutations(range(len(points)), 2):
        assert not dominates(points[j], points[i]), (points[i], points[j])
    U = rubric.utilities(enumerate_feasible(rubric))
    for t, w in zip(U.sum(axis=1), U.min(axis=1)):
        assert np.any((points[:, 0] >= t - 1e-9) & (points[:, 1] >= w - 1e-9))
    # a frontier this small comes out exactly from the MILP epsilon-constraint method too
    milp = np.array([(p.total, p.worst_group) for p in pareto_frontier(rubric, method="milp")])
    assert milp.shape == points.shape and np.allclose(milp, points, atol=1e-6)


# ---------------------------------------------------------------- scale and cache

def random_large(seed: int, n_items: int, n_groups: int) -> Rubric:
    rng = np.random.default_rng(seed)
    crit = [f"c{i}" for i in range(5)]
    costs = rng.integers(10, 200, n_items)
    items = [{"id": f"i{k}", "cost": int(costs[k]),
              "effects": {c: float(e) for c, e in zip(crit, rng.normal(0.5, 2.0, 5).round(2))},
              "requires": [f"i{int(rng.integers(0, k))}"] if k and rng.random() < 0.1 else [],
              "excludes": [f"i{int(rng.integers(0, k))}"] if k and rng.random() < 0.05 else []}
             for k in range(n_items)]
    for it in items:      # an item cannot both require and exclude the same item
        it["excludes"] = [e for e in it["excludes"] if e not in it["requires"]]
    groups = [{"id": f"g{g}", "weights": dict(zip(crit, rng.dirichlet(np.ones(5)).tolist()))}
              for g in range(n_groups)]
    return rubric_of({"name": "large", "budget": float(costs.sum()) / 3, "items": items,
                      "criteria": [{"id": c} for c in crit], "groups": groups})


@pytest.mark.slow
def test_200_items_optimise_by_milp():
    rubric = random_large(7, 200, 6)
    for objective in ("utilitarian", "maximin"):
        result = optimise(rubric, objective)
        assert result.method == "milp" and result.details["all_optimal"]
        assert_feasible(rubric, result.package)
        assert rubric.feasible(result.package)
    with pytest.raises(ValueError):
        optimise(rubric, "utilitarian", method="enumeration")


def test_cache_shares_results_between_equal_rubrics_and_computes_once(known, monkeypatch):
    calls = []
    real = search._optimise
    monkeypatch.setattr(search, "_optimise", lambda *a: calls.append(a[1]) or real(*a))
    twin = rubric_of(KNOWN)                     # another object, same fingerprint
    cache = cached(known)
    assert cached(known) is cache and cached(twin) is cache
    first = cache.optimise("leximin")
    assert cached(twin).optimise("leximin") is first and calls == ["leximin"]
    assert first.score == optimise(known, "leximin").score
    with pytest.raises(ValueError):
        first.package[0] = 1                    # shared results are read-only
    assert cache.is_pareto_optimal(known.package(["w"]))
    assert known.ids(cache.dominating_package(known.package(["p"]))) == ["p", "r"]
    assert cache.ideal_point().tolist() == [8.0, 8.0, 5.5]
    assert [p.total for p in cache.pareto_frontier()] == [13.0, 11.5]
    assert cache.optimise("kalai", disagreement=[0, 0, 5.5]).details["skipped_groups"] == [2]


def test_cache_is_bounded():
    for budget in range(search.CACHE_RUBRICS + 10):
        cached(rubric_of({**KNOWN, "budget": 8 + budget}))
    assert len(search._BY_FINGERPRINT) <= search.CACHE_RUBRICS
