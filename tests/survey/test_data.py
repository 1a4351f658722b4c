"""The survey file format: the documented example, CSV and parquet, and every bad file (one line, exit 2, nothing written)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli.commands import app
from sim.survey.data import load_survey, loads_survey, survey_from_frame
from sim.survey.format import COLUMNS, MAX_SURVEY_BYTES, SurveyError
from tests.conftest import ROOT

runner = CliRunner()
TINY_SURVEY = ROOT / "scenarios" / "surveys" / "tiny_survey.csv"
TINY_BASE = ROOT / "scenarios" / "tiny_example.yaml"


def readme_example() -> str:
    """The ```csv block of scenarios/README.md's survey section."""
    text = (ROOT / "scenarios" / "README.md").read_text()
    blocks = re.findall(r"```csv\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1, "scenarios/README.md shows exactly one survey example"
    return blocks[0]


def test_readme_example_is_the_shipped_tiny_survey_and_loads():
    assert readme_example() == TINY_SURVEY.read_text()
    survey = load_survey(TINY_SURVEY)
    assert survey.participants == ["a1", "a2", "f1", "f2", "m1", "m2"]
    assert survey.groups == ["wheelchair_users", "families", "merchants"]
    assert survey.tasks == ["importance_rating", "importance_rank", "rating", "ranking"]
    row = survey.frame.iloc[0]
    assert (row["participant"], row["task"], row["target"], row["value"], row["scale_min"], row["row"]) == (
        "a1", "importance_rating", "", 5.0, 1.0, 1)


def test_csv_and_parquet_give_the_same_survey(tmp_path):
    frame = pd.read_csv(TINY_SURVEY, comment="#", keep_default_na=False, dtype=str)
    frame.to_parquet(tmp_path / "s.parquet")
    a, b = load_survey(TINY_SURVEY).frame, load_survey(tmp_path / "s.parquet").frame
    pd.testing.assert_frame_equal(a, b)
    numeric = frame.assign(value=frame["value"].astype(float))                 # numbers stored as numbers
    numeric.to_parquet(tmp_path / "n.parquet")
    assert load_survey(tmp_path / "n.parquet").frame["value"].tolist() == a["value"].tolist()


def test_errors_name_the_file_line_of_a_csv_row():
    raw = TINY_SURVEY.read_bytes().replace(b"a1,wheelchair_users,importance_rating,,greenery,3,1,5",
                                           b"a1,wheelchair_users,importance_rating,,greenery,9,1,5")
    with pytest.raises(SurveyError) as err:
        loads_survey(raw, "s.csv")
    assert str(err.value).startswith("s.csv: row 2 (line 4), column value: value 9 is outside the stated scale 1 to 5")


def test_frames_from_memory_are_checked_too():
    frame = pd.DataFrame([["p", "g", "ranking", "x", "c", 1, None, None]], columns=list(COLUMNS))
    assert survey_from_frame(frame).frame["value"].tolist() == [1.0]
    with pytest.raises(SurveyError, match="row 1, column target: empty"):
        survey_from_frame(frame.assign(target=""))


def _edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def _bad(kind: str, tmp_path):
    text = TINY_SURVEY.read_text()
    path = tmp_path / "bad.csv"
    if kind == "missing_column":
        frame = pd.read_csv(TINY_SURVEY, comment="#", keep_default_na=False, dtype=str).drop(columns="scale_max")
        frame.to_csv(path, index=False)
    elif kind == "repeated_rank":
        path.write_text(_edit(text, "a2,wheelchair_users,ranking,bench,accessibility,3",
                              "a2,wheelchair_users,ranking,bench,accessibility,2"))
    elif kind == "outside_scale":
        path.write_text(_edit(text, "f2,families,rating,trees,accessibility,1,-2,2",
                              "f2,families,rating,trees,accessibility,3,-2,2"))
    elif kind == "unknown_group":
        path.write_text(text.replace("m2,merchants,", "m2,merchant,"))              # every row of m2
    elif kind == "participant_in_two_groups":
        path.write_text(_edit(text, "m2,merchants,rating,ramp", "m2,families,rating,ramp"))
    elif kind == "empty":
        path.write_text("")
    elif kind == "header_only":
        path.write_text(",".join(COLUMNS) + "\n")
    elif kind == "not_a_number":
        path.write_text(_edit(text, "f1,families,importance_rating,,greenery,5", "f1,families,importance_rating,,greenery,five"))
    elif kind == "unknown_task":
        path.write_text(_edit(text, "a1,wheelchair_users,ranking,ramp", "a1,wheelchair_users,rankings,ramp"))
    elif kind == "huge":
        with open(path, "wb") as f:                  # sparse: no disk used, but larger than the limit
            f.truncate(MAX_SURVEY_BYTES + 1)
    return path


CASES = {   # kind: (commands, the start of the error after the file name)
    "missing_column": (("report", "scenario"), "header, column scale_max: missing"),
    "repeated_rank": (("report", "scenario"), "row 41 (line 43), column value: rank 2 is repeated in the ranking of "
                                              "participant 'a2' on accessibility (also on row 40)"),
    "outside_scale": (("report", "scenario"), "row 31 (line 33), column value: value 3 is outside the stated scale -2 to 2"),
    "unknown_group": (("scenario",), "row 16 (line 18), column group: unknown group 'merchant' (the base scenario"),
    "participant_in_two_groups": (("report", "scenario"), "row 34 (line 36), column group: participant 'm2' is in group "
                                                          "'families' here but in 'merchants' on row 16"),
    "empty": (("report", "scenario"), "(file): the file is empty"),
    "header_only": (("report", "scenario"), "(file): the file has a header but no responses"),
    "not_a_number": (("report", "scenario"), "row 8 (line 10), column value: 'five' is not a number"),
    "unknown_task": (("report", "scenario"), "row 36 (line 38), column task: unknown task 'rankings'"),
    "huge": (("report", "scenario"), f"(file): file is larger than {MAX_SURVEY_BYTES:,} bytes"),
}


@pytest.mark.parametrize(("kind", "command"), [(k, c) for k in sorted(CASES) for c in CASES[k][0]])
def test_bad_survey_one_line_exit_2_nothing_written(tmp_path, kind, command):
    expected = CASES[kind][1]
    path = _bad(kind, tmp_path)
    out = tmp_path / ("report" if command == "report" else "new.yaml")
    args = ["survey", command, str(path), "--out", str(out)]
    if command == "scenario":
        args += ["--base", str(TINY_BASE)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"{path}: {expected}"), lines[0]
    assert "fix:" in lines[0] and "Traceback" not in result.output
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_an_unknown_group_is_fine_for_the_report(tmp_path):
    path = _bad("unknown_group", tmp_path)
    result = runner.invoke(app, ["survey", "report", str(path), "--permutations", "99"])
    assert result.exit_code == 0, result.output
    assert "4 groups" in result.output


def test_missing_file_and_binary_garbage(tmp_path):
    result = runner.invoke(app, ["survey", "report", str(tmp_path / "none.csv")])
    assert result.exit_code == 2 and "no such file" in result.output
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"PAR1\x00\x01garbage")
    result = runner.invoke(app, ["survey", "report", str(junk), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "not a readable parquet file" in result.output
    assert not (tmp_path / "o").exists()


def test_a_ragged_line_names_its_line(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(TINY_SURVEY.read_text() + "x,y\n")
    with pytest.raises(SurveyError, match=r"r.csv: line 56: Expected 8 columns, got 2"):
        load_survey(path)


def test_without_the_survey_extra_the_command_names_it(monkeypatch, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "choix" else real(name, *a))
    result = runner.invoke(app, ["survey", "report", str(TINY_SURVEY), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "pip install 'negsim[survey]'" in result.output
    assert not (tmp_path / "o").exists()


def test_line_numbers_survive_blank_lines_and_a_byte_order_mark():
    body = (",".join(COLUMNS) + "\np1,a,importance_rating,,x,5,1,5\n\n\np1,a,importance_rating,,y,9,1,5\n").encode()
    for raw, line in ((body, 5), (b"\xef\xbb\xbf# note\n\n" + body, 7)):
        with pytest.raises(SurveyError, match=rf"s.csv: row 2 \(line {line}\), column value: value 9"):
            loads_survey(raw, "s.csv")
