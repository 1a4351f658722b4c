"""Large member lists go to a CSV side file in run folders; scenarios round-trip exactly; the commands read them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli.commands import app
from sim.core import members_file
from sim.core.members_file import MEMBERS_FILE, split_members
from sim.core.records import read_run_scenario, read_transcript
from sim.core.scenario import ScenarioError, load_scenario, scenario_to_yaml
from sim.testing import random_scenario

runner = CliRunner()
weight = st.floats(1e-6, 1e6, allow_nan=False, allow_infinity=False)


def _with_members(seed: int, counts: list[int]) -> object:
    """A random 3-criterion scenario whose groups list `counts[g]` explicit members."""
    rng = np.random.default_rng(seed)
    s = random_scenario(seed, 8, len(counts))
    crit = [c.id for c in s.criteria]
    groups = [g.model_copy(update={"members": [dict(zip(crit, w.tolist())) for w in rng.dirichlet(np.ones(3), n)]})
              for g, n in zip(s.groups, counts)]
    return s.model_copy(update={"groups": groups})


def _save(scenario, folder: Path) -> Path:
    data, members = split_members(scenario.model_dump(mode="json"))
    (folder / "s.yaml").write_text(scenario_to_yaml(data), encoding="utf-8")
    if members is not None:
        (folder / MEMBERS_FILE).write_text(members, encoding="utf-8")
    return folder / "s.yaml"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(members=st.lists(st.lists(st.dictionaries(st.sampled_from(["c0", "c1", "c2"]), weight, min_size=1),
                                 max_size=4), min_size=2, max_size=2))
def test_side_file_round_trips_exactly(tmp_path, monkeypatch, members) -> None:
    monkeypatch.setattr(members_file, "MEMBERS_INLINE_MAX", 0)
    base = random_scenario(1, 6, 2)
    groups = [g.model_copy(update={"members": m or None}) for g, m in zip(base.groups, members)]
    scenario = base.model_copy(update={"groups": groups})
    path = _save(scenario, tmp_path)
    assert (tmp_path / MEMBERS_FILE).is_file() == any(members)
    assert all(not g.get("members") for g in yaml.safe_load(path.read_text())["groups"])
    assert load_scenario(path) == scenario


def test_small_member_lists_stay_inline(tmp_path) -> None:
    scenario = _with_members(0, [3, 2])
    path = _save(scenario, tmp_path)
    assert not (tmp_path / MEMBERS_FILE).exists() and load_scenario(path) == scenario


@pytest.mark.parametrize("text, problem", [
    (None, "members file members.csv is missing"),
    ("who,c0\n", "does not start with a `group` column"),
    ("group,c0,c1,c2\ng0,0.5,x,1\n", "line 2 holds a weight that is not a number"),
])
def test_bad_side_file_is_one_line_naming_file_field_and_fix(tmp_path, monkeypatch, text, problem) -> None:
    monkeypatch.setattr(members_file, "MEMBERS_INLINE_MAX", 0)
    path = _save(_with_members(0, [2, 1]), tmp_path)
    if text is None:
        (tmp_path / MEMBERS_FILE).unlink()
    else:
        (tmp_path / MEMBERS_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert str(path) in message and "groups[0].members_file" in message and problem in message and "fix:" in message
    r = runner.invoke(app, ["validate", str(path)])
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1, r.output


def test_members_file_must_sit_beside_the_scenario(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(members_file, "MEMBERS_INLINE_MAX", 0)
    path = _save(_with_members(0, [2, 1]), tmp_path)
    path.write_text(path.read_text().replace("members_file: members.csv", "members_file: ../members.csv", 1))
    with pytest.raises(ScenarioError, match="not a file name beside the scenario"):
        load_scenario(path)


@pytest.mark.slow
def test_city_scale_members_run_folder_is_read_by_report_run_and_rerun(tmp_path) -> None:
    """100,000 members: the run folder stays small and report-run and rerun accept it."""
    scenario = _with_members(3, [25_000] * 4)
    path = _save(scenario, tmp_path)
    out = tmp_path / "run"
    r = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert (out / "scenario.yaml").stat().st_size < 100_000 and (out / MEMBERS_FILE).is_file()
    assert read_run_scenario(out) == scenario
    r = runner.invoke(app, ["report-run", str(out), "--format", "html", "--out", str(tmp_path / "r.html")])
    assert r.exit_code == 0, r.output
    rows = read_transcript(out)
    at = max(i for i, row in enumerate(rows) if row.get("role") == "stakeholder")
    same = {k: rows[at][k] for k in ("kind", "reason") if k in rows[at]}
    r = runner.invoke(app, ["rerun", str(out), "--at", str(at), "--move", json.dumps(same),
                            "--out", str(tmp_path / "child")])
    assert r.exit_code == 0, r.output


def test_schema_describes_members_file(tmp_path, monkeypatch) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    monkeypatch.setattr(members_file, "MEMBERS_INLINE_MAX", 1)
    path = _save(_with_members(3, [2, 1]), tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert all("members_file" in g for g in data["groups"])
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.output)
    assert "members_file" in schema["$defs"]["Group"]["properties"]
    jsonschema.validate(data, schema)                               # the file as written is valid
    data["groups"][0]["members_file"] = 3
    with pytest.raises(jsonschema.ValidationError, match="members_file|3"):
        jsonschema.validate(data, schema)


def test_blank_lines_in_the_side_file_hold_no_member(tmp_path, monkeypatch) -> None:
    # found by the fuzzer: a blank line was an IndexError (a traceback) instead of nothing
    monkeypatch.setattr(members_file, "MEMBERS_INLINE_MAX", 1)
    scenario = _with_members(5, [2, 1])
    path = _save(scenario, tmp_path)
    side = tmp_path / MEMBERS_FILE
    side.write_text(side.read_text().replace("\n", "\n\n"), encoding="utf-8")
    assert load_scenario(path) == scenario


def test_a_run_folder_of_a_scenario_near_the_size_limit_reads_back(tmp_path):
    """negsim's re-save of a scenario it accepted may pass MAX_SCENARIO_BYTES (text folded, defaults
    written); its own commands must still read the folder (report-run and rerun read this copy)."""
    from sim.core.limits import MAX_SCENARIO_BYTES
    from sim.core.records import read_run_scenario, write_run
    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_negotiation
    from tests.conftest import TINY

    data = yaml.safe_load(TINY.read_text())
    data["groups"][0]["persona"] = ("lorem ipsum dolor sit amet " * 180_000)[:4_850_000]
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=10**9), encoding="utf-8")
    scenario = load_scenario(path)
    write_run(run_negotiation(scenario, RunConfig()), tmp_path / "run", str(path))
    assert (tmp_path / "run" / "scenario.yaml").stat().st_size > MAX_SCENARIO_BYTES
    assert read_run_scenario(tmp_path / "run") == scenario
