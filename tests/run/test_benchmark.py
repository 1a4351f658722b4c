"""The benchmark block: full-information optima, efficiency, fairness, belief error, statements."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli.commands import app
from sim.core.scenario import load_scenario
from sim.run.benchmark import statements_per_group
from sim.run.runner import RunConfig, run_negotiation
from tests.conftest import ROOT

TINY_EXAMPLE = ROOT / "scenarios/tiny_example.yaml"


def test_benchmark_known_answers_on_tiny_example():
    """By hand. Item values (wheel, families, merchants) with weights (.75,.25,0), (0,2/3,1/3), (0,0,1):
    ramp (3,0,0), trees (.75,7/3,1), bench (.75,2/3,2), lighting (1,1,1), mural (0,2/3,2), lane (.5,7/3,3).
    Best total within 100k: trees+bench+lighting+mural = 49/12+41/12+3+8/3 = 79/6. Best worst group: 3,
    by ramp+trees+bench (4.5, 3, 3) or ramp+trees+mural (3.75, 3, 3); without the ramp wheel gets <= 2.5."""
    s = load_scenario(TINY_EXAMPLE)
    r = run_negotiation(s, RunConfig(seed=0, information="full"))
    b = r.benchmark
    assert b["max_total_package"] == ["trees", "bench", "lighting", "mural"]
    assert b["max_total"] == pytest.approx(79 / 6) and b["max_worst_group"] == pytest.approx(3.0)
    u = r.ctx.rubric.utilities(r.outcome.package)
    assert b["efficiency"] == pytest.approx(u.sum() / b["max_total"])
    assert b["fairness"] == pytest.approx(u.min() / b["max_worst_group"])
    assert b["belief_error"] == {g: 0.0 for g in s.group_ids}      # the omniscient mediator knows


SILENT_ACCEPTS = ("under the item-value belief (the default) a silent group's binding accepts are comparisons "
                  "(agents.listening.accept_rows), lower bounds only, so they move its belief: tiny_example, families "
                  "silent, seeds 0-19, families' error minus prior +0.351 (se 0.041), up in 16 of 20 (seed 0: +0.466). "
                  "Not mended: reading a silent accept as u(a) >= d leaves +0.100 (se 0.012), up in 16; reading none "
                  "leaves 0 in 20 of 20 but then silence pays for park dog_owners (+0.167 se 0.012) and seniors "
                  "(+0.517 se 0.191), seeds 0-29, as it does under the u(a) >= d reading "
                  "(docs/private-information.md, ninth follow-up)")


@pytest.mark.parametrize("belief", ["weights", pytest.param("item_values+decisions+ideal", marks=pytest.mark.xfail(
    strict=True, reason=SILENT_ACCEPTS))])
def test_private_belief_error_is_reported_and_silence_says_nothing(belief):
    s = load_scenario(TINY_EXAMPLE)
    r = run_negotiation(s, RunConfig(seed=0, voice="truthful,families=silent", mediator_options={"beliefs": belief}))
    b = r.benchmark
    assert b["information"] == "private" and set(b["belief_error"]) == set(s.group_ids)
    assert b["statements"]["families"] == 0 and b["statements"]["wheelchair_users"] >= 4
    assert b["belief_error"]["families"] == pytest.approx(b["belief_error_prior"]["families"])


@pytest.mark.parametrize("belief", ["weights", "item_values+decisions+ideal"])
def test_speaking_brings_the_belief_closer_to_the_truth(belief):
    """Measured (seeds 0-19, belief error minus prior): weights -0.988 (se 0.015), item-value -0.643 (se 0.024),
    lower in 20 of 20 each; the item-value belief was +0.363 (se 0.016) before its first-round reservation
    also bounded the stated ideal from above (docs/private-information.md, fifth follow-up)."""
    s = load_scenario(TINY_EXAMPLE)
    for seed in range(10):
        b = run_negotiation(s, RunConfig(seed=seed, voice="truthful,families=silent",
                                         mediator_options={"beliefs": belief})).benchmark
        assert b["belief_error"]["wheelchair_users"] < b["belief_error_prior"]["wheelchair_users"], seed


def test_statements_count_fields_and_amendments():
    rows = [{"role": "stakeholder", "agent": "a", "kind": "position", "priorities": {"x": 1}, "package": ["i"]},
            {"role": "stakeholder", "agent": "a", "kind": "object", "amendments": ["add:i", "drop:j"],
             "reservation": 1.0},
            {"role": "stakeholder", "agent": "b", "kind": "accept", "amendments": []},
            {"role": "mediator", "agent": "mediator", "kind": "draft", "package": ["i"]}]
    assert statements_per_group(rows, ["a", "b"]) == {"a": 5, "b": 0}


def test_run_prints_the_price_of_private_information(tmp_path):
    res = CliRunner().invoke(app, ["run", str(TINY_EXAMPLE), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split()).lower()
    assert text.count("price of private information") == 1                # one figure, in one form
    assert "price of private information: efficiency" in text and "belief error" in text
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    b = summary["benchmark"]
    assert summary["information"] == "private" and np.isclose(b["efficiency"], summary["metrics"]["total"] / b["max_total"])
