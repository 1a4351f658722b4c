"""Shipped scenarios: valid, documented, and the default one does what the README promises."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli.commands import app
from sim.core.context import make_context
from sim.core.records import strip_timing
from sim.core.rubric import build_rubric
from sim.core.scenario import load_scenario, loads_scenario
from sim.run.runner import RunConfig, run_negotiation

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
DEFAULT = ROOT / "scenarios" / "montreal_streets.yaml"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_shipped_scenario_is_valid_and_sourced(path):
    sc = load_scenario(path)
    rub = build_rubric(sc)
    assert sc.sources, "every shipped scenario says where its numbers come from"
    assert "assumption" in path.read_text().lower() or "source" in path.read_text().lower()
    assert rub.costs.sum() > sc.budget, "the budget must force trade-offs"
    assert (rub.costs <= sc.budget).all()
    for name, ids in sc.base_designs.items():
        assert rub.feasible(rub.package(ids)), f"base design {name} is infeasible"


def test_default_scenario_matches_the_brief():
    sc = load_scenario(DEFAULT)
    groups = {g.id for g in sc.groups}
    assert len(groups) >= 6
    assert {"wheelchair_users", "seniors", "lgbtqia2_residents", "newcomers"} <= groups
    criteria = {c.id for c in sc.criteria}
    assert len(criteria) == 12
    assert {"accessibility", "inclusivity", "aesthetics", "practicality", "security",
            "liveliness"} <= criteria
    assert 15 <= len(sc.items) <= 25 and sc.currency == "CAD"
    assert any(i.requires for i in sc.items) and any(i.excludes for i in sc.items)
    assert 3 <= len(sc.base_designs) <= 4


def test_other_scenarios_are_of_a_different_kind():
    pb = load_scenario(ROOT / "scenarios" / "pb_neighbourhood.yaml")
    park = load_scenario(ROOT / "scenarios" / "park_renovation.yaml")
    assert len(pb.items) >= 40
    assert {c.id for c in park.criteria}.isdisjoint({"commerce", "wayfinding"})


def test_default_negotiation_against_the_full_information_benchmark():
    """Seed 7 under private and full information: efficiency and fairness against the exact optima
    (max total 68.601, max worst group 5.929), not against a base design the mediator starts from."""
    s = load_scenario(DEFAULT)
    private = run_negotiation(s, RunConfig())
    full = run_negotiation(s, RunConfig(information="full"))
    for r in (private, full):
        assert r.outcome.agreement and r.ctx.rubric.feasible(r.outcome.package)
        assert r.benchmark["max_total"] == pytest.approx(68.6012987, abs=1e-6)
        assert r.benchmark["max_worst_group"] == pytest.approx(5.9285714, abs=1e-6)
    # the item-value belief (the default since issue 19's eighth follow-up); weights: 0.921272 / 0.858708
    assert private.benchmark["efficiency"] == pytest.approx(1.0, abs=1e-6)
    assert private.benchmark["fairness"] == pytest.approx(0.891566, abs=1e-6)
    assert full.benchmark["efficiency"] == pytest.approx(0.959134, abs=1e-6)
    assert full.benchmark["fairness"] == pytest.approx(0.975904, abs=1e-6)


def test_the_readme_headline_figures_are_what_the_default_run_gives():
    """Every figure of the README's headline paragraph, recomputed and looked up verbatim."""
    s = load_scenario(DEFAULT)
    private, full = run_negotiation(s, RunConfig()), run_negotiation(s, RunConfig(information="full"))
    neg, base = private.designs["negotiated"].metrics, private.designs["main_street"].metrics
    b, fb, fm = private.benchmark, full.benchmark, full.designs["negotiated"].metrics
    assert private.ctx.best_base == "main_street" and private.outcome.rounds == 9 and private.outcome.agreement
    mean = lambda d: sum(d.values()) / len(d)  # noqa: E731
    text = " ".join((ROOT / "README.md").read_text().split())
    for figure in [
        f"after {private.outcome.rounds} rounds on a package with total {neg.total:.2f} and worst group "
        f"{neg.worst_group:.2f} ({neg.worst_group_id})", f"`main_street` ({base.total:.2f}, {base.worst_group:.2f})",
        f"P20 {neg.p20:.2f} vs {base.p20:.2f} and Gini {neg.gini:.3f} vs {base.gini:.3f}",
        f"(max total {b['max_total']:.2f}, max worst group {b['max_worst_group']:.2f})",
        f"efficiency {100 * b['efficiency']:.1f}% and fairness {100 * b['fairness']:.1f}%",
        f"from {mean(b['belief_error_prior']):.2f} (before anyone spoke) to {mean(b['belief_error']):.2f}",
        f"total {fm.total:.2f}, worst group {fm.worst_group:.2f}: efficiency {100 * fb['efficiency']:.1f}%, "
        f"fairness {100 * fb['fairness']:.1f}%",
    ]:
        assert figure in text, figure


@pytest.mark.parametrize("name, points", [("montreal_streets", 5), ("park_renovation", 2),
                                          ("tiny_example", 2)])
def test_shipped_scenarios_have_a_dilemma_and_undominated_base_designs(name, points):
    """The README states each frontier size; the default needs >= 3 points and two different optima."""
    ctx = make_context(load_scenario(ROOT / "scenarios" / f"{name}.yaml"))
    assert len(ctx.search.pareto_frontier()) == points
    util, fair = ctx.search.optimise("utilitarian"), ctx.search.optimise("maximin")
    assert not np.array_equal(util.package, fair.package)
    if name != "tiny_example":          # tiny_example's designs are pinned by the full-information test
        for design, x in ctx.base_packages.items():
            assert ctx.rubric.feasible(x) and ctx.search.is_pareto_optimal(x), design


def test_default_run_is_byte_identical_except_timing(tmp_path):
    runner = CliRunner()
    for name in ("a", "b"):
        res = runner.invoke(app, ["run", str(DEFAULT), "--out", str(tmp_path / name), "--quiet"])
        assert res.exit_code == 0, res.output
    a, b = (json.loads((tmp_path / n / "summary.json").read_text()) for n in ("a", "b"))
    assert strip_timing(a) == strip_timing(b)
    ta, tb = ((tmp_path / n / "transcript.jsonl").read_text() for n in ("a", "b"))
    strip = lambda t: re.sub(r'"(seconds|created)": [^,}]+', "", t)  # noqa: E731
    assert strip(ta) == strip(tb)


def test_readme_example_is_the_tiny_scenario():
    text = (ROOT / "scenarios" / "README.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    example = loads_scenario(block, "scenarios/README.md")
    shipped = load_scenario(ROOT / "scenarios" / "tiny_example.yaml")
    assert example == shipped
    rub = build_rubric(example)
    assert np.isclose(rub.weights.sum(axis=1), 1).all()


def test_a_group_prior_is_validated_against_the_criteria(tmp_path):
    import yaml

    from sim.core.scenario import ScenarioError, load_scenario, parse_scenario

    raw = yaml.safe_load((ROOT / "tests" / "data" / "tiny.yaml").read_text())
    raw["groups"][0]["prior"] = {"weights": {"a": 2, "b": 1}, "sd": {"a": 0.05}, "source": "survey"}
    s = parse_scenario(raw, "tiny")
    assert s.groups[0].prior.weights == {"a": 2.0, "b": 1.0} and s.groups[0].prior.sd == {"a": 0.05}
    raw["groups"][0]["prior"] = {"weights": {"zz": 1}}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw))
    with pytest.raises(ScenarioError, match=r"groups\[0\] \(wheel\)\.prior\.weights\.zz: unknown criterion 'zz'"):
        load_scenario(bad)
    raw["groups"][0]["prior"] = {"weights": {"a": -1}}
    with pytest.raises(ScenarioError, match="prior"):
        parse_scenario(raw, "tiny")
