"""Sweeps with LLM lineups (fake chat model): no error rows, each run's cache in the sweep folder,
a replay from those caches makes zero calls and gives the same rows; a lineup without --llm fails in one line."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("langchain_core")
from langchain_core.language_models.fake_chat_models import FakeListChatModel  # noqa: E402

import agents.llm.factory as factory  # noqa: E402
from agents.llm import models  # noqa: E402
from sim.cli.commands import app  # noqa: E402
from sim.run.sweep.executors import execute  # noqa: E402
from sim.run.sweep.spec import build_plan, load_sweep  # noqa: E402
from sim.run.sweep.worker import TIMING_COLUMNS  # noqa: E402
from tests.agents.test_llm_agents import POSITION  # noqa: E402
from tests.run.test_sweep import TINY, write_sweep  # noqa: E402

LLM_SWEEP = """seed: 3
seeds: 2
chunk_size: 3
axes:
  - {name: agents, values: [llm, "heuristic,green=llm"]}
  - {name: mediator, values: [negotiated, llm]}
  - {name: max_rounds, values: [3]}
"""
USAGE = ["llm_calls", "llm_prompt_tokens", "llm_completion_tokens"]


class ByPrompt(FakeListChatModel):
    """Answers from the prompt alone, so one model can serve every run of a sweep in any order."""

    calls: int = 0

    def _call(self, messages, stop=None, run_manager=None, **kwargs):
        type(self).calls += 1
        text = str(messages[-1].content)
        if "Round 0: opening" in text:
            return POSITION
        if "You are the mediator" in text:
            return '{"choice": 1, "reason": "the rule proposal"}'
        return '{"decision": "accept", "reason": "ok"}' if "'wheel'" in text else \
            '{"decision": "object", "choice": 1, "reservation": 2.5, "reason": "more please"}'


@pytest.fixture
def fake_llm(monkeypatch):
    monkeypatch.setattr(models, "make_chat_model", lambda spec, **kw: ByPrompt(responses=["x"]))
    monkeypatch.setattr(factory, "_MODELS", None)           # a fresh worker
    ByPrompt.calls = 0


def frame(folder) -> pd.DataFrame:
    return pd.read_parquet(folder / "results.parquet").drop(columns=list(TIMING_COLUMNS))


def test_an_llm_sweep_completes_and_replays_with_zero_calls(tmp_path, fake_llm, monkeypatch):
    sweep = write_sweep(tmp_path, TINY, LLM_SWEEP)
    plan = build_plan(load_sweep(sweep), sweep)
    execute(plan, tmp_path / "a", llm="fake:x")
    first = frame(tmp_path / "a")
    assert len(first) == 8 and (first["error"] == "").all(), first["error"].tolist()
    assert (first["llm_calls"] > 0).all() and ByPrompt.calls == first["llm_calls"].sum()
    assert sorted(p.name for p in (tmp_path / "a" / "llm").iterdir()) == [f"run-{i}.jsonl" for i in range(8)]
    assert first["llm_accept_agreement"].between(0, 1).all()
    monkeypatch.setattr(models, "make_chat_model", lambda *a, **k: pytest.fail("a replay built a model"))
    monkeypatch.setattr(factory, "_MODELS", None)
    calls = ByPrompt.calls
    execute(plan, tmp_path / "b", replay=tmp_path / "a")
    second = frame(tmp_path / "b")
    assert ByPrompt.calls == calls and (second["llm_calls"] == 0).all() and (second["error"] == "").all()
    pd.testing.assert_frame_equal(first.drop(columns=USAGE), second.drop(columns=USAGE))


def test_a_replay_miss_is_an_error_row_with_its_cause(tmp_path, fake_llm):
    sweep = write_sweep(tmp_path, TINY, LLM_SWEEP)
    plan = build_plan(load_sweep(sweep), sweep)
    execute(plan, tmp_path / "a", llm="fake:x")
    (tmp_path / "a" / "llm" / "run-0.jsonl").unlink()
    execute(plan, tmp_path / "b", replay=tmp_path / "a")
    rows = frame(tmp_path / "b").set_index("run_id")
    assert "ReplayMiss" in rows.loc[0, "error"] and (rows.drop(index=0)["error"] == "").all()


def test_an_llm_lineup_without_llm_fails_in_one_line_and_writes_nothing(tmp_path):
    sweep = write_sweep(tmp_path, TINY, LLM_SWEEP)
    res = CliRunner().invoke(app, ["sweep", str(sweep), "--out", str(tmp_path / "out"), "--quiet"])
    assert res.exit_code == 2 and "needs a model" in res.output and "fix: add --llm" in res.output
    assert len(res.output.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_an_llm_sweep_on_dask_matches_the_serial_one(tmp_path, fake_llm):
    """Dask workers in threads of this process (so they see the fake model); one model per worker."""
    distributed = pytest.importorskip("dask.distributed")
    sweep = write_sweep(tmp_path, TINY, LLM_SWEEP)
    plan = build_plan(load_sweep(sweep), sweep)
    execute(plan, tmp_path / "serial", llm="fake:x")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        execute(plan, tmp_path / "dask", backend="dask", scheduler=cluster.scheduler_address, llm="fake:x")
    serial, dask = frame(tmp_path / "serial"), frame(tmp_path / "dask")
    assert (dask["error"] == "").all() and len(dask) == 8
    pd.testing.assert_frame_equal(serial.sort_values("run_id").reset_index(drop=True),
                                  dask.sort_values("run_id").reset_index(drop=True))


def test_a_bad_deliberative_variant_in_a_sweep_fails_before_anything_runs(tmp_path):
    sweep = write_sweep(tmp_path, TINY, LLM_SWEEP.replace("[negotiated, llm]", "[negotiated, 'llm:deliberative:1']"))
    res = CliRunner().invoke(app, ["sweep", str(sweep), "--out", str(tmp_path / "out"), "--llm", "local", "--quiet"])
    assert res.exit_code == 2 and "2 <= N <= 5" in res.output and "fix:" in res.output
    assert len(res.output.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
