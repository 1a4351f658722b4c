"""The typed run record: every summary.json validates, its schema is written, one type reads a run folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.commands import app
from sim.core.records import write_run
from sim.core.scenario import load_scenario
from sim.core.summary import RunFolder, RunSummary, load_run
from sim.run.registry import make_stakeholder
from sim.run.runner import RunConfig, run_negotiation

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny_example.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "r"
    write_run(run_negotiation(load_scenario(TINY), RunConfig(seed=2, information="full")), out)
    return out


def test_a_written_summary_validates_and_loads_as_one_type(run_dir):
    run = load_run(run_dir)
    assert isinstance(run, RunFolder) and run.transcript and run.group_ids == list(run.ctx.rubric.group_ids)
    record = run.record
    assert isinstance(record, RunSummary) and record.package == run.summary["package"]
    assert record.benchmark.information == "full"
    assert run.package.sum() == len(record.package)
    from dashboards.data import load_run_view
    from sim.analysis.attribution import load_run_data
    from sim.run.rerun import load_parent

    for loaded in (load_parent(run_dir), load_run_data(run_dir), load_run_view(run_dir)):
        assert isinstance(loaded, RunFolder) and loaded.summary == run.summary


def test_a_summary_missing_a_field_does_not_validate(run_dir):
    data = json.loads((run_dir / "summary.json").read_text())
    del data["metrics"]
    with pytest.raises(ValueError, match="metrics"):
        RunSummary.model_validate(data)


def test_schema_summary_writes_the_json_schema(tmp_path):
    res = CliRunner().invoke(app, ["schema", "--summary", "--out", str(tmp_path / "summary.schema.json")])
    assert res.exit_code == 0, res.output
    schema = json.loads((tmp_path / "summary.schema.json").read_text())
    assert schema["title"] == "RunSummary" and {"metrics", "per_group", "benchmark"} <= set(schema["required"])
    scenario = json.loads(CliRunner().invoke(app, ["schema"]).stdout)
    assert scenario != schema


def test_the_runner_records_the_agent_it_actually_ran():
    scenario = load_scenario(TINY)

    def swap(agents):
        agents["families"] = make_stakeholder("heuristic:conceder", "families")
        named = make_stakeholder("heuristic:linear", "merchants")
        named.recorded_spec = "heuristic:linear"
        agents["merchants"] = named
        return agents
    result = run_negotiation(scenario, RunConfig(seed=1), prepare=swap)
    assert result.agents["wheelchair_users"] == "heuristic"
    assert result.agents["families"] == "agents.heuristic:HeuristicStakeholder"
    assert result.agents["merchants"] == "heuristic:linear"
