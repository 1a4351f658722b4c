"""Budget repair pinned: which item goes, which of an excluded pair stays, `protect` honoured.

Hand-worked on tiny_example (budget 100k; items ramp 40k, trees 30k, bench 20k, bike_lane 60k
excludes ramp, lighting 25k, mural 15k requires trees). Normalised weights: wheelchair users
acc .75 / green .25; families green 2/3 / live 1/3; merchants live 1. Repair worth (the
unweighted sum of the three groups' values):
    ramp 3 | trees 4.0833 | bench 3.4167 | bike_lane 5.8333 | lighting 3 | mural 2.6667
Worth lost per 1k freed (dropping trees also drops mural, which requires it):
    ramp .075 | trees+mural .15 | bench .1708 | bike_lane .0972 | lighting .12 | mural .1778
The property test compares repair with a brute-force reference of the same policy written
here from the scenario's own lists (not the rubric's closure or dependants).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.context import make_context
from sim.core.repair import repair
from sim.core.scenario import load_scenario
from sim.testing.scenarios import random_scenario

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny_example.yaml"


@pytest.fixture(scope="module")
def tiny():
    return make_context(load_scenario(TINY))


def fix(ctx, items, protect=()):
    rub = ctx.rubric
    idx = frozenset(rub.item_index[i] for i in protect)
    y, notes = repair(ctx, rub.package(list(items)), protect=idx)
    return [i for i, on in zip(rub.item_ids, y) if on], notes


def test_the_repair_worth_is_the_hand_worked_one(tiny):
    assert tiny.repair_worth.round(4).tolist() == [3.0, 4.0833, 3.4167, 5.8333, 3.0, 2.6667]


def test_everything_repairs_to_trees_bench_lighting_mural(tiny):
    """ramp loses the exclusion (3 < 5.83); then bike_lane, the least worth per cost freed, goes."""
    items, notes = fix(tiny, tiny.rubric.item_ids)
    assert items == ["trees", "bench", "lighting", "mural"]
    assert notes == ["dropped ramp (excluded by bike_lane)", "dropped bike_lane to fit the budget"]


def test_of_an_excluded_pair_the_more_valuable_stays(tiny):
    assert fix(tiny, ["ramp", "bike_lane"])[0] == ["bike_lane"]          # fits the budget: only the pair


def test_a_protected_item_wins_its_exclusion(tiny):
    assert fix(tiny, ["ramp", "bike_lane"], protect=["ramp"])[0] == ["ramp"]


def test_a_protected_item_goes_last_when_over_budget(tiny):
    """bike_lane protected: lighting (.12) goes, then trees with mural (.15)."""
    items, notes = fix(tiny, tiny.rubric.item_ids, protect=["bike_lane"])
    assert items == ["bench", "bike_lane"]
    assert notes[1:] == ["dropped lighting to fit the budget", "dropped trees, mural to fit the budget"]


def test_dropping_an_item_drops_what_requires_it(tiny):
    items, notes = fix(tiny, ["trees", "mural", "bike_lane", "lighting"], protect=["bike_lane", "lighting"])
    assert items == ["bike_lane", "lighting"] and notes == ["dropped trees, mural to fit the budget"]


def test_what_an_item_requires_is_added(tiny):
    assert fix(tiny, ["mural"]) == (["trees", "mural"], ["added required trees"])


def test_a_protected_item_goes_when_nothing_else_fits(tiny):
    items, _ = fix(tiny, ["bike_lane", "ramp"], protect=["bike_lane", "ramp"])
    assert items == ["bike_lane"]           # both protected: the exclusion falls back on worth


# -- brute-force reference of the policy -----------------------------------------------------
def reference(scenario, x: list[int], protect: set[int]) -> list[int]:
    """The repair policy from the scenario's lists: close requires, resolve excludes, drop by worth per cost."""
    ids = [i.id for i in scenario.items]
    pos = {i: k for k, i in enumerate(ids)}
    needs = {pos[i.id]: {pos[r] for r in (i.requires or [])} for i in scenario.items}
    ctx = make_context(scenario)
    worth, cost = ctx.repair_worth, [float(i.cost) for i in scenario.items]
    y = set(k for k, on in enumerate(x) if on)
    while any(needs[k] - y for k in y):
        y |= set().union(*(needs[k] for k in y))

    def with_dependants(k: int) -> set[int]:
        out = {k}
        while True:
            more = {j for j in y if needs[j] & out} - out
            if not more:
                return out
            out |= more

    pairs = sorted({tuple(sorted((pos[i.id], pos[e]))) for i in scenario.items for e in (i.excludes or [])})
    for k, j in pairs:
        if k in y and j in y:
            loser = min((k, j), key=lambda i: (i in protect, worth[i], -i))
            y -= with_dependants(loser)
    while sum(cost[k] for k in y) > scenario.budget + 1e-9:
        options = []
        for k in sorted(y):
            gone = with_dependants(k)
            freed = sum(cost[i] for i in gone)
            if freed > 0:
                options.append((k in protect, sum(worth[i] for i in gone) / freed, k, gone))
        y -= min(options, key=lambda o: o[:3])[3]
    return sorted(y)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n_items=st.integers(3, 9), data=st.data())
def test_repair_matches_the_brute_force_reference(seed, n_items, data):
    scenario = random_scenario(seed, n_items, 3)
    ctx = make_context(scenario)
    x = data.draw(st.lists(st.booleans(), min_size=n_items, max_size=n_items))
    protect = set(data.draw(st.sets(st.integers(0, n_items - 1), max_size=2)))
    y, _ = repair(ctx, np.array(x, dtype=np.int8), protect=frozenset(protect))
    assert ctx.rubric.feasible(y)
    assert np.flatnonzero(y).tolist() == reference(scenario, x, protect)


def test_a_package_costing_exactly_the_budget_is_kept():
    """With a 90k budget everything repairs as with 100k: trees, bench, lighting, mural cost exactly 90k."""
    import yaml

    from sim.core.scenario import parse_scenario

    data = yaml.safe_load(TINY.read_text())
    data["budget"] = 90000
    ctx = make_context(parse_scenario(data, "tiny-90k"))
    assert fix(ctx, ctx.rubric.item_ids)[0] == ["trees", "bench", "lighting", "mural"]


@pytest.mark.slow
def test_every_repair_mutant_is_caught():
    """tools/mutate_repair.py: the three mutations of issue 20 and three more each fail these tests (~20 s)."""
    import subprocess
    import sys

    root = TINY.parents[1]
    res = subprocess.run([sys.executable, str(root / "tools" / "mutate_repair.py")], cwd=root,
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip().endswith("6 of 6 mutants caught")
