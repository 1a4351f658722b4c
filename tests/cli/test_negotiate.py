"""CLI through typer's runner: run, evaluate, validate, schema, and every bad-input case."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli.commands import app
from sim.core.records import read_summary, read_transcript, strip_timing
from tests.conftest import TINY

runner = CliRunner()


def _tiny_dict() -> dict:
    return yaml.safe_load(TINY.read_text())


def _write(tmp_path, data: dict):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _break(kind: str) -> dict:
    d = _tiny_dict()
    if kind == "unknown_base_item":
        d["base_designs"]["std"] = ["lane", "nope"]
    elif kind == "negative_cost":
        d["items"][0]["cost"] = -5
    elif kind == "zero_weights":
        d["groups"][1]["weights"] = {"a": 0, "b": 0, "c": 0}
    elif kind == "budget_below_items":
        d["budget"] = 1
    elif kind == "requires_cycle":
        d["items"][1]["requires"] = ["art"]
    elif kind == "duplicate_ids":
        d["items"][1]["id"] = "ramp"
    elif kind == "unknown_criterion":
        d["items"][2]["effects"]["zz"] = 1
    elif kind == "bad_ballot":
        d.setdefault("protocol", {})["elicitation"] = "approve:x"
    return d


CASES = {
    "unknown_base_item": ("base_designs.std[1]", "unknown item id 'nope'"),
    "negative_cost": ("items[0].cost", "greater than or equal to 0"),
    "zero_weights": ("groups[1] (green).weights", "weights are all zero"),
    "budget_below_items": ("budget", "below the cost of every item"),
    "requires_cycle": ("items.requires", "requires cycle"),
    "duplicate_ids": ("items", "duplicate id 'ramp'"),
    "unknown_criterion": ("items[2] (bench).effects.zz", "unknown criterion 'zz'"),
    "bad_ballot": ("protocol.elicitation", "unknown elicitation 'approve:x'"),
}


@pytest.mark.parametrize("kind", sorted(CASES))
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_scenario_one_line_exit_2_nothing_written(tmp_path, kind, command):
    path = _write(tmp_path, _break(kind))
    out = tmp_path / "out"
    args = [command, str(path)] + (["--out", str(out)] if command == "run" else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    field, problem = CASES[kind]
    assert lines[0].startswith(f"{path}: {field}: "), lines[0]
    assert problem in lines[0] and "fix:" in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()


def test_missing_file_and_bad_yaml(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2 and "no such file" in result.output
    bad = tmp_path / "b.yaml"
    bad.write_text("name: [unclosed\n")
    result = runner.invoke(app, ["run", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "not valid YAML" in result.output
    assert not (tmp_path / "o").exists()


def test_yaml_tags_are_never_executed(tmp_path):
    bad = tmp_path / "evil.yaml"
    bad.write_text("name: !!python/object/apply:os.system ['touch pwned']\nbudget: 1\n")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("bad", ["threshold:-1", "approve:0", "knapsack:2", "rank:9"])
def test_a_bad_elicitation_option_is_one_line_naming_the_fix(tmp_path, bad):
    r = runner.invoke(app, ["run", str(TINY), "--elicitation", bad, "--out", str(tmp_path / "o")])
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert r.exit_code == 2 and len(lines) == 1 and lines[0].startswith("--elicitation: ") and "fix:" in lines[0], r.output
    assert not (tmp_path / "o").exists()


def test_unknown_mediator_and_group(tmp_path):
    r = runner.invoke(app, ["run", str(TINY), "--mediator", "dictator", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "unknown mediator 'dictator'" in r.output
    r = runner.invoke(app, ["run", str(TINY), "--agents", "ghosts=heuristic", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "unknown group 'ghosts'" in r.output
    assert not (tmp_path / "o").exists()


def test_run_writes_files_and_is_reproducible(tmp_path):
    for name in ("a", "b"):
        r = runner.invoke(app, ["run", str(TINY), "--out", str(tmp_path / name), "--seed", "3"])
        assert r.exit_code == 0, r.output
    a, b = read_summary(tmp_path / "a"), read_summary(tmp_path / "b")
    assert strip_timing(a) == strip_timing(b)
    assert (tmp_path / "a" / "transcript.jsonl").read_bytes() == (tmp_path / "b" / "transcript.jsonl").read_bytes()
    for key in ("scenario", "seed", "agreement", "package", "cost", "budget", "rounds", "metrics",
                "per_group", "baselines", "versions"):
        assert key in a
    assert set(a["metrics"]) >= {"total", "worst_group", "worst_group_id", "p20", "gini",
                                 "nash_welfare", "pareto_optimal"}
    assert a["cost"] <= a["budget"]
    rows = read_transcript(tmp_path / "a")
    assert rows[-1]["kind"] == "outcome" and rows[-1]["package"] == a["package"]
    outcomes = (tmp_path / "a" / "outcomes.csv").read_text().splitlines()
    assert len(outcomes) == 1 + 3 * 3  # header + (negotiated + 2 bases) x 3 groups


def test_evaluate_json_matches_metrics(tmp_path):
    r = runner.invoke(app, ["evaluate", str(TINY), "--package", "ramp,trees,bench", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["feasible"] is True
    assert data["per_group"] == pytest.approx({"wheel": 4.5, "green": 3.0, "fun": 3.0})
    assert data["metrics"]["total"] == pytest.approx(10.5)
    assert data["metrics"]["worst_group"] == pytest.approx(3.0)
    assert data["metrics"]["gini"] == pytest.approx((1.5 * 4) / (2 * 9 * 3.5))


def test_evaluate_reports_infeasible_and_red_lines():
    r = runner.invoke(app, ["evaluate", str(TINY), "--package", "lane,ramp,art", "--json"])
    data = json.loads(r.output)
    assert data["feasible"] is False
    joined = " ".join(data["infeasible"])
    assert "exceeds the budget" in joined and "art requires trees" in joined
    assert "lane excludes ramp" in joined or "ramp excludes lane" in joined
    r = runner.invoke(app, ["evaluate", str(TINY), "--package", "trees,bench", "--json"])
    data = json.loads(r.output)
    assert data["red_lines_broken"] == {"wheel": ["missing must-have ramp"]}
    assert data["dominated_by"] is not None
    assert data["best_single_change"]["item"] == "light"


def test_evaluate_unknown_item():
    r = runner.invoke(app, ["evaluate", str(TINY), "--package", "ramp,unicorn"])
    assert r.exit_code == 2 and "unknown item id 'unicorn'" in r.output


def test_schema_is_json_schema():
    r = runner.invoke(app, ["schema"])
    schema = json.loads(r.output)
    assert "budget" in schema["properties"] and "items" in schema["required"]
