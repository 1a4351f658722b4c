"""Sweeps: seeded plans, identical results across backends, resume, recorded failures, report."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from typer.testing import CliRunner

from sim.cli.commands import app
from sim.run.sweep.aggregate import aggregate, bootstrap_ci
from sim.run.sweep.executors import WORKER_ENV, execute
from sim.run.sweep.spec import build_plan, load_sweep, spawn_run_seeds
from sim.run.sweep.worker import TIMING_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny.yaml"
MONTREAL = ROOT / "scenarios" / "montreal_streets.yaml"


def write_sweep(folder: Path, scenario: Path, body: str) -> Path:
    path = folder / "sweep.yaml"
    path.write_text(f"name: t\nscenario: {os.path.relpath(scenario, folder)}\n{body}")
    return path


SMALL = """seed: 5
seeds: 4
chunk_size: 3
axes:
  - {name: budget, values: [90, 120]}
  - {name: mediator, values: [negotiated, maximin]}
  - {name: wheel_a, path: groups.wheel.weights.a, values: [3, 1]}
"""


@pytest.fixture
def small(tmp_path) -> Path:
    return write_sweep(tmp_path, TINY, SMALL)


def results(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "results.parquet").drop(columns=list(TIMING_COLUMNS))


def test_plan_spawns_seeds_up_front_and_records_them(small):
    spec = load_sweep(small)
    plan = build_plan(spec, small)
    expected = [int(c.generate_state(1, dtype=np.uint32)[0]) for c in np.random.SeedSequence(5).spawn(4)]
    assert spawn_run_seeds(spec) == expected
    assert len(plan.tasks) == 2 * 2 * 2 * 4
    assert [t.run_id for t in plan.tasks] == list(range(32))
    assert {t.seed for t in plan.tasks} == set(expected)


def test_serial_local_and_dask_give_identical_results(small, tmp_path):
    plan = build_plan(load_sweep(small), small)
    execute(plan, tmp_path / "serial", workers=1)
    execute(plan, tmp_path / "local", workers=2)
    execute(plan, tmp_path / "dask", workers=2, backend="dask")
    serial = results(tmp_path / "serial")
    assert len(serial) == 32 and serial["run_id"].is_unique and (serial["error"] == "").all()
    pd.testing.assert_frame_equal(serial, results(tmp_path / "local"))
    pd.testing.assert_frame_equal(serial, results(tmp_path / "dask"))
    # the axes really changed the runs
    assert serial.groupby("budget")["cost"].max().loc[90] <= 90
    assert serial["budget"].nunique() == 2 and serial["wheel_a"].nunique() == 2


def test_killed_sweep_resumes_without_duplicates_or_gaps(tmp_path):
    sweep = write_sweep(tmp_path, MONTREAL, """seed: 1
seeds: 12
chunk_size: 4
axes:
  - {name: mediator, values: [negotiated, maximin, nash]}
  - {name: budget, values: [1400000, 1800000]}
""")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli.commands", "sweep", str(sweep), "--out", str(out),
                             "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "parts").glob("part-*.parquet"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    parts_before = len(list((out / "parts").glob("part-*.parquet")))
    assert 2 <= parts_before < 18, "the sweep should have been killed part-way"
    res = CliRunner().invoke(app, ["sweep", str(sweep), "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    assert f"{parts_before * 4} already done" in res.output
    resumed = results(out)
    assert resumed["run_id"].tolist() == list(range(72))
    fresh = tmp_path / "fresh"
    execute(build_plan(load_sweep(sweep), sweep), fresh)
    pd.testing.assert_frame_equal(resumed, results(fresh))


def test_a_failing_run_is_recorded_and_the_rest_complete(tmp_path):
    sweep = write_sweep(tmp_path, TINY, """seeds: 3
axes:
  - {name: agents, values: [heuristic, "heuristic:no_such_curve", "heuristic,fun=heuristic:conceder"]}
""")
    res = CliRunner().invoke(app, ["sweep", str(sweep), "--out", str(tmp_path / "o"), "--quiet"])
    assert res.exit_code == 0, res.output
    assert "3 failed" in res.output
    frame = results(tmp_path / "o")
    bad = frame[frame["agents"] == "heuristic:no_such_curve"]
    assert len(bad) == 3 and bad["error"].str.contains("unknown concession curve").all()
    good = frame[frame["error"] == ""]
    assert len(good) == 6 and good["total"].notna().all()
    report = CliRunner().invoke(app, ["report", str(tmp_path / "o")])
    assert report.exit_code == 0, report.output
    table = pd.read_csv(tmp_path / "o" / "report.csv")
    assert table.set_index("agents").loc["heuristic:no_such_curve", "failures"] == 3


@pytest.mark.parametrize("body, field", [
    ("axes:\n  - {name: x, path: groups.nobody.weights.a, values: [1]}\n", "axes.x.path"),
    ("axes:\n  - {name: b, path: budget, values: [-5]}\n", "axes"),
    ("seeds: 0\n", "seeds"),
    ("axes:\n  - {name: b, values: [1]}\n  - {name: b, values: [2]}\n", "axes"),
    ("workers: 3\n", "workers"),
    ("axes:\n  - {name: total, path: budget, values: [100]}\n", "axes.total"),
    ("axes:\n  - {name: u_fun, path: groups.fun.weights.c, values: [2]}\n", "axes.u_fun"),
    ("axes:\n  - {name: budget, path: items.bench.cost, values: [25]}\n", "axes.budget"),
    ("axes:\n  - {name: seed, values: [1]}\n", "axes.seed"),
    ("axes: !!python/object/apply:os.system [echo pwned]\n", "is not allowed"),
    ("axes:\n  - {name: voice, values: [truthful, loud]}\n", "axes.voice"),
    ("axes:\n  - {name: voice, values: ['truthful,nobody=silent']}\n", "axes.voice"),
    ("axes:\n  - {name: elicitation, values: ['rank:1']}\n", "axes.elicitation"),
    ("axes:\n  - {name: information, values: [half]}\n", "axes.information"),
    ("axes:\n  - {name: belief, values: [weights, hunch]}\n", "axes.belief"),
    ("axes:\n  - {name: mediator, values: [llm]}\n  - {name: belief, values: [weights]}\n", "axes.belief"),
])
def test_bad_sweep_files_fail_in_one_line(tmp_path, body, field):
    sweep = write_sweep(tmp_path, TINY, body)
    out = tmp_path / "never"
    res = CliRunner().invoke(app, ["sweep", str(sweep), "--out", str(out)])
    assert res.exit_code == 2
    line = res.output.strip()
    assert "\n" not in line and str(sweep) in line and field in line and "fix:" in line
    assert not out.exists()


def test_a_folder_of_another_sweep_is_refused(small, tmp_path):
    out = tmp_path / "o"
    execute(build_plan(load_sweep(small), small), out)
    other = write_sweep(tmp_path / "o", TINY, "seeds: 2\n")
    res = CliRunner().invoke(app, ["sweep", str(other), "--out", str(out), "--quiet"])
    assert res.exit_code == 2 and "different sweep" in res.output


def test_bootstrap_interval_agrees_with_scipy():
    rng = np.random.default_rng(3)
    data = rng.normal(10.0, 2.0, size=40)
    mean, lo, hi = bootstrap_ci(data, np.random.default_rng(0), n_boot=20000)
    ref = stats.bootstrap((data,), np.mean, n_resamples=20000, method="percentile",
                          random_state=np.random.default_rng(1)).confidence_interval
    assert mean == pytest.approx(data.mean())
    assert lo == pytest.approx(ref.low, abs=0.05) and hi == pytest.approx(ref.high, abs=0.05)
    assert bootstrap_ci(np.array([2.0, 2.0, np.nan]), np.random.default_rng(0)) == (2.0, 2.0, 2.0)


def test_report_aggregates_per_axis_combination():
    frame = pd.DataFrame({"a": [1, 1, 2, 2], "error": ["", "", "", "boom"],
                          "agreement": [True, False, True, False], "beats_base_worst_group": [True] * 4,
                          "total": [1.0, 3.0, 5.0, np.nan], "worst_group": [1.0] * 4,
                          "p20": [0.5] * 4, "gini": [0.1] * 4})
    table = aggregate(frame, ["a"]).set_index("a")
    assert table.loc[1, "total_mean"] == 2.0 and table.loc[1, "agreement_rate"] == 0.5
    assert table.loc[2, "failures"] == 1 and table.loc[2, "runs"] == 2
    assert table.loc[1, "total_lo"] >= 1.0 and table.loc[1, "total_hi"] <= 3.0


def _edited_tiny(folder: Path) -> Path:
    """tiny.yaml under the same scenario name, with the wheelchair group's weights changed."""
    folder.mkdir(parents=True, exist_ok=True)
    text = TINY.read_text().replace("weights: {a: 3, b: 1, c: 0}", "weights: {a: 1, b: 3, c: 2}")
    assert text != TINY.read_text()
    (folder / "tiny.yaml").write_text(text)
    return folder / "tiny.yaml"


def test_workers_never_reuse_a_context_of_another_scenario_with_the_same_name(tmp_path):
    body = "seed: 2\nseeds: 3\naxes:\n  - {name: mediator, values: [negotiated, maximin]}\n"
    (tmp_path / "a").mkdir()
    first = write_sweep(tmp_path / "a", TINY, body)
    second = write_sweep(tmp_path / "b", _edited_tiny(tmp_path / "b"), body)
    for sweep, out in ((first, "a_out"), (second, "b_out")):   # one process: a warm context cache
        execute(build_plan(load_sweep(sweep), sweep), tmp_path / out)
    a, b = results(tmp_path / "a_out"), results(tmp_path / "b_out")
    assert (a["scenario"] == "tiny").all() and (b["scenario"] == "tiny").all()
    assert not np.allclose(a["u_wheel"], b["u_wheel"]), "the edited weights must change wheel's utility"
    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_negotiation
    edited = load_scenario(tmp_path / "b" / "tiny.yaml")
    for row in b.itertuples():
        bare = run_negotiation(edited, RunConfig(seed=row.seed, mediator=row.mediator))
        assert row.total == pytest.approx(bare.designs["negotiated"].metrics.total)


def test_dask_on_a_scheduler_address_matches_serial(small, tmp_path):
    from dask.distributed import LocalCluster

    execute(build_plan(load_sweep(small), small), tmp_path / "serial")
    edited = write_sweep(tmp_path / "e", _edited_tiny(tmp_path / "e"), SMALL)   # same variants
    execute(build_plan(load_sweep(edited), edited), tmp_path / "e_serial")
    # threads in this process: the workers share this process's context cache
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        for sweep, out in ((small, "dask"), (edited, "e_dask")):
            res = CliRunner().invoke(app, ["sweep", str(sweep), "--out", str(tmp_path / out), "--quiet",
                                           "--backend", "dask", "--scheduler", cluster.scheduler_address])
            assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(results(tmp_path / "serial"), results(tmp_path / "dask"))
    pd.testing.assert_frame_equal(results(tmp_path / "e_serial"), results(tmp_path / "e_dask"))
    assert not np.allclose(results(tmp_path / "serial")["u_wheel"], results(tmp_path / "e_dask")["u_wheel"])


def test_an_unreachable_scheduler_is_a_one_line_error_and_no_folder(small, tmp_path):
    out = tmp_path / "never"
    res = CliRunner().invoke(app, ["sweep", str(small), "--out", str(out), "--quiet",
                                   "--backend", "dask", "--scheduler", "tcp://127.0.0.1:1"])
    assert res.exit_code == 2, res.output
    line = res.output.strip()
    assert "\n" not in line and "tcp://127.0.0.1:1" in line and "fix:" in line
    assert not out.exists()


def test_an_interrupted_sweep_leaves_results_parquet_with_every_finished_chunk(small, tmp_path, monkeypatch):
    import sim.run.sweep.executors as sweep_exec
    from sim.run.sweep.worker import run_chunk

    def two_chunks_then_ctrl_c(payloads, workers):
        yield run_chunk(payloads[0])
        yield run_chunk(payloads[1])
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep_exec, "_local", two_chunks_then_ctrl_c)
    plan = build_plan(load_sweep(small), small)
    with pytest.raises(KeyboardInterrupt):
        execute(plan, tmp_path / "o")
    assert results(tmp_path / "o")["run_id"].tolist() == list(range(6))      # chunk_size 3
    monkeypatch.undo()
    outcome = execute(plan, tmp_path / "o")
    assert (outcome.skipped, outcome.executed) == (6, 26)
    execute(plan, tmp_path / "fresh")
    pd.testing.assert_frame_equal(results(tmp_path / "o"), results(tmp_path / "fresh"))


def test_every_row_equals_a_bare_run_of_its_scenario_variant(tmp_path):
    """Dotted paths, acceptance rules, lineups and mediators reach the run they describe."""
    sweep = write_sweep(tmp_path, TINY, """seed: 11
seeds: 2
axes:
  - {name: acceptance, path: protocol.acceptance, values: [unanimous, majority, {quorum: 2}]}
  - {name: green_c, path: groups.green.weights.c, values: [1, 4]}
  - {name: bench_cost, path: items.bench.cost, values: [20, 35]}
  - {name: agents, values: [heuristic, "heuristic,fun=heuristic:conceder"]}
  - {name: mediator, values: [negotiated, nash]}
""")
    execute(build_plan(load_sweep(sweep), sweep), tmp_path / "o")
    frame = results(tmp_path / "o")
    assert len(frame) == 3 * 2 * 2 * 2 * 2 * 2 and (frame["error"] == "").all()
    assert set(frame["acceptance"]) == {"unanimous", "majority", '{"quorum": 2}'}
    from sim.core.scenario import parse_scenario
    from sim.run.runner import RunConfig, run_negotiation

    for row in frame.sample(16, random_state=np.random.default_rng(0)).itertuples():
        data = yaml.safe_load(TINY.read_text())
        data["protocol"]["acceptance"] = {"quorum": 2} if row.acceptance.startswith("{") else row.acceptance
        next(g for g in data["groups"] if g["id"] == "green")["weights"]["c"] = row.green_c
        next(i for i in data["items"] if i["id"] == "bench")["cost"] = row.bench_cost
        lineup = {"fun": "heuristic:conceder"} if "," in row.agents else {}
        bare = run_negotiation(parse_scenario(data), RunConfig(seed=row.seed, mediator=row.mediator,
                                                               lineup=lineup))
        neg = bare.designs["negotiated"]
        assert (row.agreement, row.rounds) == (bare.outcome.agreement, bare.outcome.rounds)
        assert row.package == ";".join(neg.package) and row.total == pytest.approx(neg.metrics.total)
        assert row.u_green == pytest.approx(neg.per_group(["wheel", "green", "fun"])["green"])


def test_llm_usage_reaches_the_row_as_in_summary_json():
    from types import SimpleNamespace

    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_negotiation
    from sim.run.sweep.spec import RunTask
    from sim.run.sweep.worker import result_row

    run = run_negotiation(load_scenario(TINY), RunConfig(seed=1))
    task = RunTask(0, 0, 1, (), (), None, None, None)
    assert result_row(task, run)["llm_calls"] == 0
    usage = {"llm": {"calls": 7, "prompt_tokens": 900, "completion_tokens": 120}, "fallbacks": 2}
    row = result_row(task, SimpleNamespace(**{**run.__dict__, "usage": usage}))
    assert (row["llm_calls"], row["llm_prompt_tokens"], row["llm_completion_tokens"],
            row["llm_fallbacks"]) == (7, 900, 120, 2)


def test_retry_failed_reruns_only_failed_runs_and_keeps_one_row_each(small, tmp_path, monkeypatch):
    import sim.run.runner

    plan = build_plan(load_sweep(small), small)
    flaky_seed = plan.tasks[1].seed                 # fails in every axis combination (8 runs)
    real = sim.run.runner.run_negotiation

    def flaky(scenario, config):
        if config.seed == flaky_seed:
            raise TimeoutError("model endpoint timed out")
        return real(scenario, config)

    monkeypatch.setattr(sim.run.runner, "run_negotiation", flaky)
    first = execute(plan, tmp_path / "o")
    assert first.failures == 8
    monkeypatch.undo()
    again = execute(plan, tmp_path / "o")           # a plain resume keeps failed rows
    assert (again.skipped, again.executed) == (32, 0)
    assert results(tmp_path / "o")["error"].str.contains("TimeoutError").sum() == 8
    retried = execute(plan, tmp_path / "o", retry_failed=True)
    assert (retried.skipped, retried.executed, retried.failures) == (24, 8, 0)
    execute(plan, tmp_path / "fresh")
    pd.testing.assert_frame_equal(results(tmp_path / "o"), results(tmp_path / "fresh"))
    res = CliRunner().invoke(app, ["sweep", str(small), "--out", str(tmp_path / "o"), "--quiet",
                                   "--retry-failed"])
    assert res.exit_code == 0 and "32 already done, 0 run now" in res.output, res.output


@settings(max_examples=6, deadline=None)
@given(chunk_size=st.integers(1, 9), finished=st.sets(st.integers(0, 31), max_size=32))
def test_any_interruption_resumes_to_the_fresh_results(chunk_size, finished):
    """Whatever chunks finished before a crash, and whatever the chunk size, resume = fresh."""
    import tempfile

    import sim.run.sweep.executors as sweep_exec

    with tempfile.TemporaryDirectory() as tmp:
        sweep = write_sweep(Path(tmp), TINY, SMALL.replace("chunk_size: 3", f"chunk_size: {chunk_size}"))
        plan = build_plan(load_sweep(sweep), sweep)
        real_local = sweep_exec._local

        def crash_after_some(payloads, workers):
            for payload in payloads:
                if payload[0] in {r // chunk_size for r in finished}:
                    yield sweep_exec.run_chunk(payload)
            raise RuntimeError("worker lost")

        sweep_exec._local = crash_after_some
        try:
            with pytest.raises(RuntimeError):
                execute(plan, Path(tmp) / "o")
        finally:
            sweep_exec._local = real_local
        done = {r for r in range(32) if r // chunk_size in {f // chunk_size for f in finished}}
        assert set(pd.read_parquet(Path(tmp) / "o" / "results.parquet")["run_id"]) == done
        outcome = execute(plan, Path(tmp) / "o")
        assert (outcome.skipped, outcome.executed) == (len(done), 32 - len(done))
        frame = results(Path(tmp) / "o")
    pd.testing.assert_frame_equal(frame, _fresh_small())


_FRESH: dict[str, pd.DataFrame] = {}


def _fresh_small() -> pd.DataFrame:
    """The small sweep run once, uninterrupted (chunk size 3), shared by property examples."""
    import tempfile

    if "small" not in _FRESH:
        with tempfile.TemporaryDirectory() as tmp:
            sweep = write_sweep(Path(tmp), TINY, SMALL)
            execute(build_plan(load_sweep(sweep), sweep), Path(tmp) / "o")
            _FRESH["small"] = results(Path(tmp) / "o")
    return _FRESH["small"]


def test_dask_backend_without_dask_names_the_extra(small, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)     # import fails as if not installed
    out = tmp_path / "never"
    res = CliRunner().invoke(app, ["sweep", str(small), "--out", str(out), "--backend", "dask"])
    assert res.exit_code == 2
    assert "pip install 'negsim[dask]'" in res.output and "\n" not in res.output.strip()
    assert not out.exists()


def test_information_voice_and_elicitation_axes_reach_the_rows(tmp_path):
    body = ("seeds: 2\naxes:\n  - {name: information, values: [private, full]}\n"
            "  - {name: voice, values: ['truthful', 'truthful,wheel=silent']}\n"
            "  - {name: elicitation, values: ['none', 'rank:2']}\n")
    sweep = write_sweep(tmp_path, TINY, body)
    execute(build_plan(load_sweep(sweep), sweep), tmp_path / "out", workers=1)
    frame = results(tmp_path / "out")
    assert len(frame) == 16 and (frame["error"] == "").all()
    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_negotiation

    row = frame[(frame["information"] == "private") & (frame["voice"] == "truthful,wheel=silent")
                & (frame["elicitation"] == "rank:2")].iloc[0]
    bare = run_negotiation(load_scenario(TINY), RunConfig(seed=int(row["seed"]), information="private",
                                                          elicitation="rank:2", voice="truthful,wheel=silent"))
    assert row["package"] == ";".join(bare.ctx.rubric.ids(bare.outcome.package))
    assert row["efficiency"] == pytest.approx(bare.benchmark["efficiency"])
    assert (frame.loc[frame["information"] == "full", "belief_error"] == 0).all()



def _env_of(payload: tuple) -> str | None:
    """A stand-in chunk runner for the pool workers (importable there): the variable the payload names."""
    return os.getenv(payload[0])


def test_pool_workers_start_with_single_threaded_blas_and_the_parent_keeps_its_own(monkeypatch):
    # OpenBLAS's default thread per core made 2 workers spin against each other (2.7x the CPU of a sweep)
    import sim.run.sweep.executors as executors

    monkeypatch.setattr(executors, "run_chunk", _env_of)         # each "chunk" reports one variable
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    payloads = [(name, None, None, None, ()) for name in WORKER_ENV]   # a chunk's shape, no runs
    assert sorted(executors.run_payloads(payloads, workers=2)) == ["1"] * len(WORKER_ENV)
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4" and "MKL_NUM_THREADS" not in os.environ


def test_a_serial_sweep_runs_each_chunk_inside_a_one_thread_limit(monkeypatch):
    # A serial sweep runs in the caller's process, whose BLAS is already loaded with a thread per core:
    # threadpoolctl holds it at one thread during each chunk and gives the caller its threads back.
    from threadpoolctl import threadpool_info, threadpool_limits

    import sim.run.sweep.executors as executors

    def threads(_payload):
        return sorted({pool["num_threads"] for pool in threadpool_info()})
    monkeypatch.setattr(executors, "run_chunk", threads)
    with threadpool_limits(limits=2):          # the caller's own setting, whatever the machine's cores
        assert list(executors.run_payloads([0, 1], workers=1)) == [[1], [1]]
        assert {pool["num_threads"] for pool in threadpool_info()} == {2}
