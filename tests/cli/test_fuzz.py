"""The scenario fuzzer: mutated scenarios, surveys, sweep files, rerun moves and run folders through the CLI.

Every answer must be exit 0, or exit 2 with one line naming the file or flag and a fix; never a
traceback, never a file written on failure. Seeded (derandomize) so CI sees the same cases every
time; the counts per test are in CASES (docs/limits.md gives the total and the timing).
"""

from __future__ import annotations

import json
import shutil
import signal
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core.yaml_io import yaml_dump
from sim.testing.mutations import mutated_data, mutated_text
from tests.cli.test_hostile_files import invoke as cli_invoke
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
TINY_SCENARIO = ROOT / "scenarios" / "tiny_example.yaml"
SURVEY = ROOT / "scenarios" / "surveys" / "tiny_survey.csv"
CASES = {"scenario_data": 200, "scenario_text": 150, "scenario_run": 120, "survey": 250,
         "sweep_spec": 200, "rerun_move": 150, "run_folder": 150, "sweep_folder": 100, "members_file": 120}


CASE_CPU_SECONDS = 60       # one command of one case; the largest take about 2 CPU-s


class OverBudget(Exception):
    """A fuzz case's command used more CPU time than CASE_CPU_SECONDS (a hang, as far as the fuzzer is concerned)."""


def invoke(args: list[str]) -> tuple[int, str]:
    """The CLI in-process (tests.cli.test_hostile_files.invoke) under a CPU-time alarm: no hang past the budget."""
    def over(signum, frame):
        raise OverBudget(f"{args[:2]} used more than {CASE_CPU_SECONDS} CPU-s")
    previous = signal.signal(signal.SIGPROF, over)
    signal.setitimer(signal.ITIMER_PROF, CASE_CPU_SECONDS)
    try:
        return cli_invoke(args)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def fuzz(n: int):
    """Hypothesis settings of one fuzz test: `n` derandomized cases, no deadline (the machine is shared)."""
    return settings(max_examples=n, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def check_answer(code: int, output: str, *names: str) -> None:
    """Exit 0, or exit 2 and one line holding one of `names` (file or flag) and 'fix:'."""
    assert code in (0, 2), (code, output[-2000:])
    assert "Traceback" not in output
    if code == 2:
        lines = output.strip().splitlines()
        assert len(lines) == 1, output[-2000:]
        assert any(n in lines[0] for n in names) and "fix:" in lines[0], lines[0]
        assert len(lines[0]) < 600, lines[0][:300]


def _dump(data) -> str:
    """The mutant as YAML through the C dumper (the same parsed data as yaml.safe_dump: checked on the 800
    scenario mutants; the pure-Python emitter was a fifth of this file's CPU)."""
    return yaml_dump(data, sort_keys=False, allow_unicode=True)


@pytest.mark.parametrize("source", SHIPPED, ids=lambda p: p.stem)
def test_fuzz_scenario_data(tmp_path_factory, source):
    base = yaml.safe_load(source.read_text())

    @fuzz(CASES["scenario_data"])
    @given(mutated_data(base))
    def case(data):
        path = tmp_path_factory.mktemp("s") / "mutant.yaml"
        path.write_text(_dump(data))
        check_answer(*invoke(["validate", str(path)]), str(path))
    case()


@pytest.mark.parametrize("source", SHIPPED[:2], ids=lambda p: p.stem)
def test_fuzz_scenario_text(tmp_path_factory, source):
    @fuzz(CASES["scenario_text"])
    @given(mutated_text(source.read_text()))
    def case(text):
        path = tmp_path_factory.mktemp("t") / "mutant.yaml"
        path.write_text(text)
        check_answer(*invoke(["validate", str(path)]), str(path))
    case()


def test_fuzz_scenario_run(tmp_path_factory):
    """Mutants that pass validate must also run (the 61 files that validated then crashed)."""
    base = yaml.safe_load(TINY_SCENARIO.read_text())

    @fuzz(CASES["scenario_run"])
    @given(mutated_data(base))
    def case(data):
        folder = tmp_path_factory.mktemp("r")
        path, out = folder / "mutant.yaml", folder / "run"
        path.write_text(_dump(data))
        code, output = invoke(["run", str(path), "--out", str(out), "--quiet"])
        check_answer(code, output, str(path), "--")
        if code == 2:
            assert not out.exists()
        else:
            json.loads((out / "summary.json").read_text(), parse_constant=pytest.fail)
    case()


def test_fuzz_survey(tmp_path_factory):
    header, *rows = [line for line in SURVEY.read_text().splitlines() if not line.startswith("#")]
    table = [r.split(",") for r in rows]
    cells = st.sampled_from(["", "nan", "inf", "-inf", "1e308", "-3", "0", "99", "x" * 3000, "ü🙂", '"', "1,2",
                             "ranking", "importance_rank", "mediator"])

    @st.composite
    def mutant(draw):
        t = [list(r) for r in table]
        for _ in range(draw(st.integers(1, 4))):
            i, j = draw(st.integers(0, len(t) - 1)), draw(st.integers(0, len(header.split(",")) - 1))
            t[i][j] = draw(cells)
        if draw(st.booleans()):
            t = t + t[: draw(st.integers(0, len(t)))]
        return "\n".join([header, *(",".join(r) for r in t)]) + "\n"

    @fuzz(CASES["survey"])
    @given(st.one_of(mutant(), mutated_text(SURVEY.read_text())))
    def case(text):
        path = tmp_path_factory.mktemp("v") / "survey.csv"
        path.write_text(text)
        check_answer(*invoke(["survey", "report", str(path), "--permutations", "19"]), str(path))
    case()


SWEEP = {"name": "fuzz", "scenario": str(TINY_SCENARIO), "seeds": 1,
         "axes": [{"name": "mediator", "values": ["negotiated", "maximin"]},
                  {"name": "budget_level", "path": "budget", "values": [90000, 120000]}]}


def test_fuzz_sweep_spec(tmp_path_factory):
    """Sweep files: validated and planned before any run; a valid mutant may run (at most a few runs)."""
    @fuzz(CASES["sweep_spec"])
    @given(mutated_data(SWEEP))
    def case(data):
        folder = tmp_path_factory.mktemp("w")
        path, out = folder / "sweep.yaml", folder / "out"
        path.write_text(_dump(data))
        if _planned_runs(data) > 8:     # a valid large sweep is fine but too slow to run here: plan it only
            from sim.core.errors import NegsimError
            from sim.run.sweep.spec import build_plan, load_sweep

            try:
                build_plan(load_sweep(path), path)
            except NegsimError as err:
                check_answer(2, str(err), str(path))
            return
        code, output = invoke(["sweep", str(path), "--out", str(out), "--quiet"])
        check_answer(code, output, str(path), "--")
        if code == 2:
            assert not out.exists()
    case()


def _planned_runs(data) -> int:
    from sim.run.sweep.spec import SweepSpec

    try:
        spec = SweepSpec.model_validate(data)
    except Exception:
        return 0
    runs = spec.seeds if isinstance(spec.seeds, int) else len(spec.seeds)
    for axis in spec.axes:
        runs *= len(axis.values)
    return runs


@pytest.fixture(scope="module")
def parent_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("parent") / "run"
    code, output = invoke(["run", str(TINY_SCENARIO), "--out", str(out), "--quiet"])
    assert code == 0, output
    return out


def test_fuzz_rerun_move(tmp_path_factory, parent_run):
    rows = [json.loads(line) for line in (parent_run / "transcript.jsonl").read_text().splitlines()]

    @fuzz(CASES["rerun_move"])
    @given(st.integers(-1, len(rows)), st.data())
    def case(at, data):
        row = data.draw(mutated_data(rows[max(0, min(at, len(rows) - 1))]))
        text = json.dumps(row) if data.draw(st.booleans()) else data.draw(mutated_text(json.dumps(row)))
        out = tmp_path_factory.mktemp("m") / "child"
        code, output = invoke(["rerun", str(parent_run), "--at", str(at), "--move", text, "--out", str(out)])
        check_answer(code, output, "--move", "--at", str(parent_run))
        if code == 2:
            assert not out.exists()
        else:
            json.loads((out / "summary.json").read_text(), parse_constant=pytest.fail)
    case()


RUN_FILES = ["summary.json", "transcript.jsonl", "scenario.yaml", "outcomes.csv"]


def test_fuzz_run_folder(tmp_path_factory, parent_run):
    """A corrupt run folder: report-run and rerun answer in one line; the dashboard lists it without crashing."""
    from dashboards.data import list_runs

    @fuzz(CASES["run_folder"])
    @given(st.sampled_from(RUN_FILES), st.data())
    def case(name, data):
        root = tmp_path_factory.mktemp("f")
        run = root / "run"
        shutil.copytree(parent_run, run)
        text = (run / name).read_text()
        choice = data.draw(st.sampled_from(["text", "truncate", "empty", "array", "delete"]))
        if choice == "text":
            text = data.draw(mutated_text(text))
        elif choice == "truncate":
            text = text[: data.draw(st.integers(0, len(text)))]
        (run / name).write_text({"empty": "", "array": "[1, 2]"}.get(choice, text))
        if choice == "delete":
            (run / name).unlink()
        check_answer(*invoke(["report-run", str(run), "--out", str(root / "r.html")]), str(run))
        check_answer(*invoke(["rerun", str(run), "--at", "1", "--move", '{"kind": "accept"}',
                              "--out", str(root / "child")]), str(run), "--move", "--at")
        list_runs(root)
    case()


def test_fuzz_sweep_folder(tmp_path_factory):
    """A damaged sweep folder: resume heals it or says why in one line; the report then reads it."""
    from tests.run.test_sweep import TINY, write_sweep
    from tests.run.test_sweep_heal import BODY

    folder = tmp_path_factory.mktemp("sweep")
    sweep = write_sweep(folder, TINY, BODY)
    done = folder / "done"
    assert invoke(["sweep", str(sweep), "--out", str(done), "--quiet"])[0] == 0
    files = sorted(str(p.relative_to(done)) for p in done.rglob("*") if p.is_file() and p.name != ".lock")

    @fuzz(CASES["sweep_folder"])
    @given(st.lists(st.sampled_from(files), min_size=1, max_size=3, unique=True), st.data())
    def case(names, data):
        out = tmp_path_factory.mktemp("d") / "copy"
        shutil.copytree(done, out)
        for name in names:
            raw = (out / name).read_bytes()
            how = data.draw(st.sampled_from(["truncate", "flip", "empty", "delete", "junk"]))
            if how == "delete":
                (out / name).unlink()
                continue
            i = data.draw(st.integers(0, max(0, len(raw) - 1)))
            (out / name).write_bytes({"truncate": raw[:i], "empty": b"", "junk": b"[1, 2]",
                                      "flip": raw[:i] + bytes([raw[i] ^ 0xFF]) + raw[i + 1:] if raw else b""}[how])
        code, output = invoke(["sweep", str(sweep), "--out", str(out), "--quiet"])
        check_answer(code, output.strip().splitlines()[-1] if code == 0 else output, str(out))
        if code == 0:
            check_answer(*invoke(["report", str(out), "--csv", str(out / "r.csv")]), str(out))
    case()


CELLS = ["", "nan", "inf", "-inf", "1e400", "-3", "0", "1e13", "x" * 3000, "ü🙂", '"', "1,2", "mediator", "g_unknown"]


@st.composite
def mutated_members(draw, text: str) -> str:
    """A members side file (CSV) broken: cells, header, rows (truncated, repeated, ragged) or its bytes."""
    header, *rows = [line.split(",") for line in text.splitlines()]
    kind = draw(st.sampled_from(["cell", "cell", "header", "rows", "text"]))
    if kind == "text":
        return draw(mutated_text(text))
    if kind == "cell":
        for _ in range(draw(st.integers(1, 4))):
            row = draw(st.sampled_from(rows))
            row[draw(st.integers(0, len(row) - 1))] = draw(st.sampled_from(CELLS))
    elif kind == "header":
        how = draw(st.sampled_from(["drop", "rename", "extra", "duplicate", "empty"]))
        j = draw(st.integers(0, len(header) - 1))
        header = {"drop": header[:j] + header[j + 1:], "rename": header[:j] + ["who"] + header[j + 1:],
                  "extra": header + ["unknown"], "duplicate": header + [header[j]], "empty": []}[how]
    else:
        how = draw(st.sampled_from(["truncate", "repeat", "ragged", "none"]))
        rows = {"truncate": rows[: draw(st.integers(0, len(rows)))], "repeat": rows * draw(st.sampled_from([2, 50])),
                "ragged": [r[: draw(st.integers(0, len(r)))] for r in rows], "none": []}[how]
    return "\n".join(",".join(r) for r in [header, *rows]) + "\n"


@pytest.fixture(scope="module")
def members_run(tmp_path_factory) -> Path:
    """A tiny run whose scenario copy keeps its members in the side file members.csv (as city-scale runs do)."""
    from sim.core import members_file
    from sim.core.records import write_run
    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_negotiation

    s = load_scenario(TINY_SCENARIO)
    crit = [c.id for c in s.criteria]
    groups = [g.model_copy(update={"members": [{c: float(1 + (i + j) % 4) for j, c in enumerate(crit)}
                                               for i in range(10)]}) for g in s.groups]
    out = tmp_path_factory.mktemp("members") / "run"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(members_file, "MEMBERS_INLINE_MAX", 1)
        write_run(run_negotiation(s.model_copy(update={"groups": groups}), RunConfig()), out, str(TINY_SCENARIO))
    assert (out / members_file.MEMBERS_FILE).is_file()
    return out


def test_fuzz_members_file(tmp_path_factory, members_run):
    """A broken members side file: validate, report-run and rerun answer in one line; the dashboard skips it."""
    from dashboards.data import list_runs, load_run_view
    from sim.core.errors import NegsimError

    @fuzz(CASES["members_file"])
    @given(mutated_members((members_run / "members.csv").read_text()))
    def case(text):
        run = tmp_path_factory.mktemp("m") / "run"
        shutil.copytree(members_run, run)
        (run / "members.csv").write_text(text)
        scenario = run / "scenario.yaml"
        check_answer(*invoke(["validate", str(scenario)]), str(scenario))
        check_answer(*invoke(["report-run", str(run), "--out", str(run.parent / "r.html")]), str(run))
        code, output = invoke(["rerun", str(run), "--at", "1", "--move", '{"kind": "accept"}',
                               "--out", str(run.parent / "child")])
        check_answer(code, output, str(run), "--move", "--at")
        assert code == 0 or not (run.parent / "child").exists()
        assert len(list_runs(run.parent)) == 1              # the summary is intact: the run is listed
        try:
            load_run_view(run)
        except NegsimError as err:                          # what the dashboard shows as a note
            assert "members" in str(err) and "\n" not in str(err)
    case()


def test_the_case_budget_stops_a_command_that_runs_on(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "CASE_CPU_SECONDS", 0.05)
    with pytest.raises(OverBudget, match="CPU-s"):
        invoke(["run", str(ROOT / "scenarios" / "montreal_streets.yaml"), "--out", str(tmp_path / "run"), "--quiet"])
    assert not (tmp_path / "run").exists()
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)         # the alarm is off again
