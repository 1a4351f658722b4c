"""The notebook API: `import sim` is light and offers a dozen names; run_many returns rows in memory."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.core.context import make_context
from sim.core.records import build_summary
from sim.run.registry import AgentSpec
from sim.run.runner import RunConfig, run_negotiation

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "scenarios" / "tiny_example.yaml"


def test_import_sim_is_light_and_offers_the_notebook_names():
    code = ("import sys, sim; assert 'numpy' not in sys.modules and 'sim.api' not in sys.modules, "
            "sorted(m for m in sys.modules if m.startswith(('numpy', 'sim'))); print(sorted(sim.__all__))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(['AgentSpec', 'NegsimError', 'RunConfig', 'RunResult', 'Scenario', '__version__',
                               'evaluate', 'load', 'optimise', 'run', 'run_many', 'shapley_values'])
    for name in sim.__all__:
        assert getattr(sim, name) is not None


def test_sim_run_is_one_negotiation_and_still_the_package():
    result = sim.run(TINY, seed=3, max_rounds=5)
    expected = run_negotiation(sim.load(TINY), RunConfig(seed=3, max_rounds=5))
    assert result.outcome.package.tolist() == expected.outcome.package.tolist()
    assert result.transcript == expected.transcript
    assert sim.run.RunConfig is RunConfig and sim.run.runner.run_negotiation is run_negotiation


def test_evaluate_and_optimise_take_a_path():
    report = sim.evaluate(TINY, ["trees", "bench"])
    assert report.proposal.package == ("trees", "bench") or list(report.proposal.package) == ["trees", "bench"]
    assert sim.optimise(TINY, "maximin").package.tolist() == \
        make_context(sim.load(TINY)).search.optimise("maximin").package.tolist()


def test_run_many_returns_one_row_per_run_equal_to_single_runs():
    frame = sim.run_many(TINY, {"mediator": ["negotiated", "maximin"], "budget": [80000, 100000]}, seeds=2)
    assert len(frame) == 8 and frame["run_id"].tolist() == list(range(8))
    assert {"mediator", "budget", "seed", "total", "worst_group", "gini", "p20", "efficiency",
            "u_wheelchair_users", "u_families", "u_merchants", "error"} <= set(frame.columns)
    assert (frame["error"] == "").all()
    row = frame.iloc[5]
    variant = sim.load(TINY).model_copy(update={"budget": float(row["budget"])})
    single = run_negotiation(variant, RunConfig(seed=int(row["seed"]), mediator=row["mediator"]))
    assert row["total"] == pytest.approx(single.designs["negotiated"].metrics.total, abs=1e-12)


@pytest.mark.slow
def test_run_many_on_a_pool_equals_serial():
    serial = sim.run_many(TINY, {"mediator": ["negotiated", "nash"]}, seeds=2)
    pooled = sim.run_many(TINY, {"mediator": ["negotiated", "nash"]}, seeds=2, workers=2)
    cols = [c for c in serial.columns if c != "seconds"]
    assert serial[cols].equals(pooled[cols])


def test_agent_spec_parses_once():
    assert AgentSpec.parse("heuristic:conceder") == AgentSpec("heuristic", "conceder")
    assert AgentSpec.parse("llm:deliberative:4") == AgentSpec("llm", "deliberative:4")
    assert AgentSpec.parse(" maximin ") == AgentSpec("maximin")
    for text in ("heuristic", "ledger:maximin", "llm:deliberative:4"):
        assert str(AgentSpec.parse(text)) == text


FIELDS = {                     # each RunConfig field set to a value other than the scenario's own
    "seed": 11, "mediator": "maximin", "max_rounds": 2, "agents": "heuristic:conceder",
    "lineup": {"families": "heuristic:linear"}, "information": "full", "elicitation": "rank:2",
    "voice": "truthful,merchants=silent", "agent_options": {}, "mediator_options": {},
}


@pytest.mark.parametrize("field", sorted(f.name for f in dataclasses.fields(RunConfig)))
def test_every_run_config_field_is_honoured_with_a_prebuilt_context(field):
    scenario = sim.load(TINY)
    config = dataclasses.replace(RunConfig(), **{field: FIELDS[field]})
    from_scenario = build_summary(run_negotiation(scenario, config))
    from_context = build_summary(run_negotiation(make_context(scenario), config))
    for key in ("seconds", "timing", "created"):
        from_scenario.pop(key, None), from_context.pop(key, None)
    assert from_context == from_scenario
    if FIELDS[field] != {}:               # the field changes the run (else the check above is vacuous)
        default = build_summary(run_negotiation(make_context(scenario), RunConfig()))
        for key in ("seconds", "timing", "created"):
            default.pop(key, None)
        assert default != from_context


def test_a_sweep_parses_each_variant_once_and_builds_each_rubric_once(monkeypatch):
    """2 budgets x 3 mediators x 2 seeds: 2 distinct problems, so 2 parses and 2 rubrics (serial)."""
    import sim.core.context
    import sim.core.rubric
    import sim.run.sweep.spec as spec
    import sim.run.sweep.worker as worker

    counts = {"parse": 0, "rubric": 0}

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(spec, "parse_scenario", counted("parse", spec.parse_scenario))
    monkeypatch.setattr(sim.core.rubric, "build_rubric", counted("rubric", sim.core.rubric.build_rubric))
    monkeypatch.setattr(sim.core.context, "build_rubric", counted("rubric", sim.core.context.build_rubric))
    spec._VARIANTS.clear(), worker._CONTEXTS.clear()
    frame = sim.run_many(TINY, {"budget": [70000, 90000], "mediator": ["negotiated", "maximin", "nash"]}, seeds=2)
    assert len(frame) == 12 and (frame["error"] == "").all()
    assert counts == {"parse": 2, "rubric": 2}
