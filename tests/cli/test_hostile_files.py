"""Each crasher of issue 23 as a minimal repro file (tests/data/hostile/): exit 2, one line, no traceback, no run folder."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from typer.main import get_command

from sim.cli.commands import app
from sim.core.errors import NegsimError

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"
runner = CliRunner()
COMMAND = get_command(app)      # built once: typer's runner rebuilds it on every call (16 ms, the fuzzer's 2,000+ calls)

# file -> a word the one-line error must hold (the field or the limit it names)
CASES = {
    "alias_bomb.yaml": "aliases",
    "deep_nesting.yaml": "nesting deeper than",
    "empty_collections.yaml": "criteria",
    "huge_effect.yaml": "items[0].effects.a",
    "inf_budget.yaml": "budget",
    "inf_weight.yaml": "groups[0].weights.a",
    "int_tag.yaml": "tagged value",
    "mediator_group.yaml": "groups[1].id",
    "nan_effect.yaml": "items[0].effects.a",
    "python_tag.yaml": "is not allowed",
    "tiny_prior_sd.yaml": "groups[0].prior.sd.a",
    "unknown_mediator.yaml": "protocol.mediator",
}


def invoke(args: list[str]) -> tuple[int, str]:
    """Run the CLI in-process as `negsim` does (main() turns a NegsimError that escaped into exit 2)."""
    result = runner.invoke(COMMAND, args, prog_name="negsim")
    if isinstance(result.exception, NegsimError):
        return 2, " ".join(str(result.exception).split())
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def assert_one_line_error(code: int, output: str, source: str, word: str) -> None:
    """Exit 2 and a single line naming the file, the field (`word`) and a fix."""
    lines = output.strip().splitlines()
    assert code == 2, output
    assert len(lines) == 1 and "Traceback" not in output, output
    assert source in lines[0] and word in lines[0] and "fix:" in lines[0], lines[0]
    assert len(lines[0]) < 400, len(lines[0])


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_hostile_scenario_is_one_line(tmp_path, name, command):
    path = HOSTILE / name
    out = tmp_path / "run"
    args = [command, str(path)] + (["--out", str(out), "--quiet"] if command == "run" else [])
    code, output = invoke(args)
    assert_one_line_error(code, output, str(path), CASES[name])
    assert not out.exists()


def test_every_repro_file_is_a_case():
    assert sorted(p.name for p in HOSTILE.glob("*.yaml")) == sorted(CASES)


def test_alias_bomb_is_refused_cheaply_in_a_small_address_space():
    """The 315-byte bomb expands to 9^9 values; refusing it costs well under a second and 2 GB."""
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
            "from sim.cli.commands import main; sys.argv = ['negsim', 'validate', sys.argv[1]]; main()")
    start = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    proc = subprocess.run([sys.executable, "-c", code, str(HOSTILE / "alias_bomb.yaml")],
                          capture_output=True, text=True, timeout=300)
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - start
    assert_one_line_error(proc.returncode, proc.stderr, "alias_bomb.yaml", "aliases")
    assert cpu < 30, cpu          # CPU time of the child (imports included), not wall time


def test_error_quotes_only_an_excerpt(tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text((HOSTILE / "nan_effect.yaml").read_text().replace("budget: 100", "budget: " + "x" * 100_000))
    code, output = invoke(["validate", str(path)])
    assert_one_line_error(code, output, str(path), "budget")


def test_count_limits_refuse_before_work(tmp_path):
    from sim.core.limits import MAX_CRITERIA

    text = (HOSTILE / "nan_effect.yaml").read_text().replace("{id: a}, {id: b}", ", ".join(
        f"{{id: c{i}}}" for i in range(100_000)) + ", {id: a}, {id: b}").replace(".nan", "1")
    path = tmp_path / "wide.yaml"
    path.write_text(text)
    start = time.process_time()
    code, output = invoke(["validate", str(path)])
    assert_one_line_error(code, output, str(path), "criteria")
    assert f"at most {MAX_CRITERIA}" in output
    assert time.process_time() - start < 60


def test_missing_extra_is_one_line(monkeypatch):
    """An agent module whose optional package is absent: one line naming the extra, not ModuleNotFoundError."""
    from sim.core.errors import MissingExtra
    from sim.run.registry import entry_point

    for name in ["langchain_core", *[m for m in sys.modules if m.startswith("langchain_core.")]]:
        monkeypatch.setitem(sys.modules, name, None)               # import langchain_core[.x] now fails
    for name in [m for m in sys.modules if m.startswith("agents.llm")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(MissingExtra, match=r"needs langchain_core, .*; fix: pip install 'negsim\[llm\]'"):
        entry_point("agents.llm.models:make_chat_model")


def test_inf_budget_run_never_writes_non_strict_json(tmp_path):
    """Finite numbers only: a summary.json is strict JSON (no NaN/Infinity) for every valid run."""
    out = tmp_path / "ok"
    code, output = invoke(["run", str(HOSTILE.parents[1] / "data" / "tiny.yaml"), "--out", str(out), "--quiet"])
    assert code == 0, output
    json.loads((out / "summary.json").read_text(), parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))


@pytest.mark.parametrize("text", ["[1, 2]", '{"metrics": NaN}', "", '{"a": 1'])
def test_dashboard_skips_a_broken_run_folder_with_a_note(tmp_path, text):
    from dashboards.data import list_runs

    code, output = invoke(["run", str(HOSTILE.parents[0] / "tiny.yaml"), "--out", str(tmp_path / "good"), "--quiet"])
    assert code == 0, output
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "summary.json").write_text(text)
    frame = list_runs(tmp_path)
    assert frame["run"].tolist() == ["good"]
    assert len(frame.attrs["skipped"]) == 1 and "bad" in frame.attrs["skipped"][0]
    assert "fix:" in frame.attrs["skipped"][0]


TINY_RUN = HOSTILE.parents[0] / "tiny.yaml"


@pytest.mark.parametrize("body, word", [
    ("seeds: 1000000000\n", "seeds"),                                              # hung in planning
    ("seeds: 1\naxes:\n  - {name: mediator, values: [negotiated, nope]}\n", "nope"),   # was error rows, exit 0
])
def test_hostile_sweep_file_is_one_line(tmp_path, body, word):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"name: t\nscenario: {TINY_RUN}\n{body}")
    start = time.process_time()
    code, output = invoke(["sweep", str(sweep), "--out", str(tmp_path / "out"), "--quiet"])
    assert_one_line_error(code, output, str(sweep), word)
    assert not (tmp_path / "out").exists() and time.process_time() - start < 30


def test_survey_ranking_thousands_of_targets_is_one_line(tmp_path):
    # a 300 KB survey ranking 3,000 targets asked numpy for 201 GiB
    rows = [f"p{p},g1,ranking,t{t},accessibility,{t + 1},," for p in range(2) for t in range(3000)]
    path = tmp_path / "survey.csv"
    path.write_text("participant,group,task,target,criterion,value,scale_min,scale_max\n" + "\n".join(rows) + "\n")
    code, output = invoke(["survey", "report", str(path), "--permutations", "19"])
    assert_one_line_error(code, output, str(path), "column target")


@pytest.mark.parametrize("reservation", ["NaN", "1e999", "-Infinity"])
def test_rerun_move_with_a_non_finite_reservation_is_one_line(tmp_path, reservation):
    # wrote NaN / Infinity into summary.json, which strict JSON parsers reject
    parent = tmp_path / "parent"
    assert invoke(["run", str(TINY_RUN), "--out", str(parent), "--quiet"])[0] == 0
    move = f'{{"kind": "object", "reservation": {reservation}}}'
    code, output = invoke(["rerun", str(parent), "--at", "1", "--move", move, "--out", str(tmp_path / "child")])
    assert_one_line_error(code, output, "--move", reservation.lstrip("-"))
    assert not (tmp_path / "child").exists()


@pytest.mark.parametrize("kind", ["items", "groups"])
def test_item_and_group_counts_are_bounded(tmp_path, kind):
    from sim.core.limits import MAX_GROUPS, MAX_ITEMS

    n = {"items": MAX_ITEMS, "groups": MAX_GROUPS}[kind] + 1
    text = (HOSTILE / "nan_effect.yaml").read_text().replace(".nan", "1")
    if kind == "items":
        text = text.replace("items:\n", "items:\n" + "".join(f"  - {{id: i{k}, cost: 1}}\n" for k in range(n)))
    else:
        text = text.replace("groups:\n", "groups:\n" + "".join(f"  - {{id: h{k}, weights: {{a: 1}}}}\n" for k in range(n)))
    path = tmp_path / "many.yaml"
    path.write_text(text)
    code, output = invoke(["validate", str(path)])
    assert_one_line_error(code, output, str(path), kind)
