"""Run folders: written whole or not at all, never overwritten by accident, named by every setting given."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.records import SUMMARY, TRANSCRIPT, write_folder, write_run
from sim.core.records import default_run_folder as default_out
from sim.run.runner import RunConfig, run_negotiation
from tests.cli.test_hostile_files import invoke
from tests.conftest import TINY


def test_existing_out_is_refused_unless_overwrite(tmp_path):
    out = tmp_path / "run"
    assert invoke(["run", str(TINY), "--out", str(out), "--quiet"])[0] == 0
    (out / "stale.txt").write_text("from an older run")
    before = (out / SUMMARY).read_bytes()
    code, output = invoke(["run", str(TINY), "--out", str(out), "--quiet", "--seed", "4"])
    assert code == 2 and "already exists" in output and "--overwrite" in output
    assert (out / SUMMARY).read_bytes() == before
    code, output = invoke(["run", str(TINY), "--out", str(out), "--quiet", "--seed", "4", "--overwrite"])
    assert code == 0, output
    assert json.loads((out / SUMMARY).read_text())["seed"] == 4
    assert not (out / "stale.txt").exists()          # replaced whole: no old file survives
    assert [p.name for p in tmp_path.iterdir()] == ["run"]     # no temporary folder left behind


def test_a_crash_while_writing_leaves_no_folder(tmp_path, tiny, monkeypatch):
    result = run_negotiation(tiny, RunConfig(seed=1))
    out = tmp_path / "run"
    real = os.replace

    def crash(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        write_run(result, out)
    monkeypatch.setattr(os, "replace", real)
    assert list(tmp_path.iterdir()) == []


def test_a_crash_while_replacing_keeps_the_old_folder_whole(tmp_path):
    out = tmp_path / "run"
    write_folder(out, {SUMMARY: "{}\n", TRANSCRIPT: ""})
    with pytest.raises(TypeError):
        write_folder(out, {SUMMARY: "{}\n", TRANSCRIPT: None})     # fails while writing the new copy
    assert sorted(p.name for p in out.iterdir()) == [SUMMARY, TRANSCRIPT]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


SETTINGS = st.fixed_dictionaries({k: st.none() | st.sampled_from(v) for k, v in {
    "agents": ["llm", "heuristic:conceder", "heuristic,families=llm"], "information": ["full", "private"],
    "elicitation": ["rank:3", "none"], "voice": ["silent", "exaggerate:2", "truthful,families=silent"],
    "rounds": [3, 5], "opening": ["ramp,trees", "ramp"]}.items()})


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(SETTINGS, SETTINGS)
def test_default_out_differs_whenever_a_setting_differs(a, b):
    name_a, name_b = default_out("tiny", 0, "negotiated", a), default_out("tiny", 0, "negotiated", b)
    assert (name_a == name_b) == (a == b)
    assert len(name_a.name) < 200 and "/" not in name_a.name


def test_default_out_without_settings_keeps_the_old_name():
    assert str(default_out("Tiny Example", 3, "maximin", {"voice": None})) == "runs/tiny_example-maximin-seed3"


def test_max_seconds_ends_a_run_in_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "slow"
    code, output = invoke(["run", str(TINY), "--out", str(out), "--quiet", "--max-seconds", "0"])
    assert code == 2 and "--max-seconds" in output and "fix:" in output and len(output.strip().splitlines()) == 1
    assert not out.exists()
    code, output = invoke(["run", str(TINY), "--out", str(out), "--quiet", "--max-seconds", "3600"])
    assert code == 0, output


def test_deadline_raises_only_after_its_time():
    from sim.run.runner import RunOverTime, deadline

    now = [0.0]
    check = deadline(5.0, clock=lambda: now[0])
    now[0] = 5.0
    check(1, 8)                                  # exactly at the limit: still fine
    now[0] = 5.01
    with pytest.raises(RunOverTime, match="round 2 of 8"):
        check(2, 8)
