"""Resume heals a damaged sweep folder: corrupt parts, sweep.json and results.parquet; the folder lock; --max-seconds."""

from __future__ import annotations

import fcntl
import json
import shutil

import pandas as pd
import pytest

from sim.run.sweep.executors import execute
from sim.run.sweep.spec import SweepError, build_plan, load_sweep
from sim.run.sweep.store import CORRUPT, LOCK, MANIFEST
from sim.run.sweep.worker import TIMING_COLUMNS
from tests.cli.test_hostile_files import invoke
from tests.run.test_sweep import TINY, write_sweep

BODY = "seed: 2\nseeds: 2\nchunk_size: 1\naxes:\n  - {name: mediator, values: [negotiated, maximin]}\n"


def _rows(out):
    frame = pd.read_parquet(out / "results.parquet")
    return frame.drop(columns=[c for c in TIMING_COLUMNS if c in frame]).reset_index(drop=True)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished 4-run sweep (one run per part) and its sweep file."""
    folder = tmp_path_factory.mktemp("heal")
    sweep = write_sweep(folder, TINY, BODY)
    out = folder / "done"
    execute(build_plan(load_sweep(sweep), sweep), out, sweep_path=str(sweep))
    return sweep, out


def _resume(finished, tmp_path, damage):
    sweep, done = finished
    out = tmp_path / "copy"
    shutil.copytree(done, out)
    damage(out)
    return execute(build_plan(load_sweep(sweep), sweep), out, sweep_path=str(sweep)), out


def _truncate(path):
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty"])
def test_a_corrupt_part_is_set_aside_and_only_its_runs_redone(finished, tmp_path, damage):
    def hurt(out):
        part = sorted((out / "parts").glob("part-*.parquet"))[2]
        data = bytearray(part.read_bytes())
        if damage == "truncate":
            _truncate(part)
        elif damage == "flip":                    # a byte inside the data: the file may still parse
            data[len(data) // 2] ^= 0xFF
            part.write_bytes(bytes(data))
        else:
            part.write_bytes(b"")
    outcome, out = _resume(finished, tmp_path, hurt)
    assert outcome.executed == 1 and outcome.skipped == 3
    assert len(outcome.notes) == 1 and "part-00002.parquet" in outcome.notes[0]
    assert [p.name for p in (out / CORRUPT).iterdir()] == ["part-00002.parquet"]
    pd.testing.assert_frame_equal(_rows(out), _rows(finished[1]))


def test_a_corrupt_sweep_json_is_rewritten_when_the_manifest_vouches(finished, tmp_path):
    outcome, out = _resume(finished, tmp_path, lambda out: _truncate(out / "sweep.json"))
    assert outcome.executed == 0 and "sweep.json" in outcome.notes[0]
    assert json.loads((out / "sweep.json").read_text())["runs"] == 4


def test_corrupt_meta_and_manifest_is_one_line(finished, tmp_path):
    def hurt(out):
        _truncate(out / "sweep.json")
        _truncate(out / MANIFEST)
    with pytest.raises(SweepError, match="corrupt, and no manifest.json"):
        _resume(finished, tmp_path, hurt)


def test_a_corrupt_results_file_is_one_line_then_rebuilt(finished, tmp_path):
    sweep, done = finished
    out = tmp_path / "copy"
    shutil.copytree(done, out)
    _truncate(out / "results.parquet")
    code, output = invoke(["report", str(out)])
    assert code == 2 and len(output.strip().splitlines()) == 1 and "results.parquet" in output and "fix:" in output
    code, output = invoke(["sweep", str(sweep), "--out", str(out), "--quiet"])
    assert code == 0 and "0 run now" in output, output
    pd.testing.assert_frame_equal(_rows(out), _rows(done))


def test_a_locked_folder_is_refused(finished, tmp_path):
    sweep, done = finished
    out = tmp_path / "copy"
    shutil.copytree(done, out)
    with open(out / LOCK, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        code, output = invoke(["sweep", str(sweep), "--out", str(out), "--quiet"])
    assert code == 2 and "another negsim sweep" in output
    assert invoke(["sweep", str(sweep), "--out", str(out), "--quiet"])[0] == 0     # released: fine again


def test_max_seconds_stops_cleanly_and_resume_finishes(finished, tmp_path):
    sweep, done = finished
    out = tmp_path / "late"
    code, output = invoke(["sweep", str(sweep), "--out", str(out), "--quiet", "--max-seconds", "0"])
    assert code == 0 and "stopped by --max-seconds" in output and "1 run now" in output, output
    assert len(pd.read_parquet(out / "results.parquet")) == 1
    code, output = invoke(["sweep", str(sweep), "--out", str(out), "--quiet"])
    assert code == 0 and "1 already done, 3 run now" in output, output
    pd.testing.assert_frame_equal(_rows(out), _rows(done))
