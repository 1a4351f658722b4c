"""Decision summary and readable transcript: known answers worked by hand, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from sim.analysis.decision import decision_summary, price_of_private_information
from sim.analysis.transcript import amendment_text, objection_drivers, readable_transcript
from sim.core.rubric import build_rubric
from sim.core.scenario import load_scenario
from tests.conftest import TINY

SCENARIO = load_scenario(TINY)
IDS = list(SCENARIO.item_ids)


def _summary(package, base, **extra) -> dict:
    return {"package": package, "best_base": "alt", "baselines": {"alt": {"package": base}}, "agreement": True,
            "rounds": 3, "cost": 60.0, "budget": 100.0, "currency": "CAD", **extra}


def test_objection_drivers_known_answer():
    # wheel: weights a 3, b 1, c 0 -> 0.75, 0.25, 0. Reference ramp+bench+light minus draft lane+light:
    # a: 0.75 * (4 + 1) = 3.75; b: 0.25 * (0 - 2) = -0.5 (a gain, not a shortfall); c: weight 0
    drivers = objection_drivers(build_rubric(SCENARIO), "wheel", ["lane", "light"], ["ramp", "bench", "light"],
                                {"a": "A", "b": "B", "c": "C"})
    assert drivers == [("A", pytest.approx(3.75))]


def test_amendments_in_words_read_the_right_way_round():
    labels = {"ramp": "Curb ramp", "lane": "Bike lane"}
    assert amendment_text("swap:ramp>lane", labels) == "add Curb ramp, drop Bike lane"
    assert amendment_text("drop:lane", labels) == "drop Bike lane"
    assert amendment_text("add:unknown", labels) == "add unknown"


def test_decision_summary_known_answer_and_who_moved():
    transcript = [
        {"round": 1, "agent": "wheel", "role": "stakeholder", "kind": "object", "reservation": 5.0},
        {"round": 1, "agent": "green", "role": "stakeholder", "kind": "object", "reservation": 2.0},
        {"round": 2, "agent": "wheel", "role": "stakeholder", "kind": "accept", "reservation": 3.0},
        {"round": 2, "agent": "green", "role": "stakeholder", "kind": "accept", "reservation": 2.0},
        {"round": 2, "agent": "x", "role": "stakeholder", "kind": "statement"},      # unknown kind: passed over
    ]
    d = decision_summary(_summary(["ramp", "trees", "bench"], ["ramp", "bench", "light"]), transcript, SCENARIO)
    assert [i for i, _, _ in d.funded] == ["ramp", "trees", "bench"]
    assert [c for _, _, c in d.funded] == [40, 30, 20]
    assert d.added == [("trees", "trees")] and d.dropped == [("light", "light")]
    assert [(m.group, m.start, m.end) for m in d.moved] == [("wheel", 5.0, 3.0)]
    assert d.budget_share == pytest.approx(0.6) and d.price is None
    assert d.lines()[0] == "Agreement in round 3: fund ramp, trees, bench."


def test_price_of_private_information_from_the_benchmark_block():
    """Each figure comes from its one key of summary.json's benchmark block (no guessing between names)."""
    metrics = {"total": 8.0, "worst_group": 2.0}
    assert price_of_private_information({"metrics": metrics}) is None
    assert price_of_private_information({"metrics": metrics, "benchmark": {"max_total": 10.0}}) is None
    p = price_of_private_information({"metrics": metrics, "benchmark": {
        "efficiency": 0.9, "fairness": 0.5, "belief_error": {"a": 0.1, "b": 0.3}}})
    assert p == {"efficiency": 0.9, "fairness": 0.5, "belief_error": pytest.approx(0.2)}
    d = decision_summary(_summary(["ramp"], ["ramp"], metrics=metrics, benchmark={"efficiency": 0.9}), [], SCENARIO)
    assert d.lines()[-1].startswith("Price of private information: efficiency 90.0%")


def test_accept_below_own_reservation_is_flagged_with_the_model():
    rows = [{"round": 1, "agent": "wheel", "role": "stakeholder", "kind": "accept", "utility": 1.0,
             "reservation": 2.5, "meta": {"llm": "fake:model"}},
            {"round": 1, "agent": "green", "role": "stakeholder", "kind": "accept", "utility": 3.0, "reservation": 2.5}]
    readable = readable_transcript(rows, SCENARIO)
    assert readable[0].flags == ["contradicts its own numbers: LLM (fake:model) accepted utility 1.00 below its "
                                 "reservation 2.50"]
    assert readable[1].flags == []


def test_asks_are_not_repeated_in_the_reason():
    rows = [{"round": 1, "agent": "mediator", "role": "mediator", "kind": "draft", "package": ["lane", "light"]},
            {"round": 1, "agent": "wheel", "role": "stakeholder", "kind": "object", "amendments": ["swap:ramp>lane"],
             "reason": "utility 1.00 below my reservation 2.00; asking swap:ramp>lane"}]
    row = readable_transcript(rows, SCENARIO, build_rubric(SCENARIO))[1]
    assert row.text == "utility 1.00 below my reservation 2.00" and row.asks == "add ramp, drop lane"


@settings(max_examples=60, deadline=None)
@given(hs.lists(hs.sampled_from(IDS), unique=True), hs.lists(hs.sampled_from(IDS), unique=True))
def test_added_and_dropped_are_exactly_the_difference_with_the_best_base(package, base):
    d = decision_summary(_summary(package, base), [], SCENARIO)
    assert [i for i, _, _ in d.funded] == package
    assert {i for i, _ in d.added} == set(package) - set(base)
    assert {i for i, _ in d.dropped} == set(base) - set(package)
    assert (d.change_line().startswith("Same items")) == (set(package) == set(base))
