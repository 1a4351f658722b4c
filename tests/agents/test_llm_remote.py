"""The remote-model path against a scripted OpenAI-compatible stand-in on 127.0.0.1.

What every request carries (output cap, JSON schema), and the faults: HTTP 429/500 retried a
bounded number of times with backoff, a server slower than the timeout, a 200 whose body is not
JSON, a server refusing the standard schema form, and the API key written nowhere.
"""

from __future__ import annotations

import json
import logging
import uuid

import pytest

pytest.importorskip("langchain_openai")
from typer.testing import CliRunner  # noqa: E402

from agents.llm.factory import make_client  # noqa: E402
from agents.llm.models import DEFAULT_RETRIES, DEFAULT_TIMEOUT, LLMSettings  # noqa: E402
from agents.llm.prompts import MediatorDraft, StakeholderReply  # noqa: E402
from agents.llm.structured import token_cap  # noqa: E402
from sim.cli import llm_options  # noqa: E402
from sim.cli.commands import app  # noqa: E402
from sim.run.runner import RunConfig, run_negotiation  # noqa: E402
from tests.agents.openai_stand_in import Reply, StandIn, completion, loopback_only  # noqa: E402
from tests.conftest import TINY  # noqa: E402

ACCEPT = '{"decision": "accept", "reason": "fine by us"}'
ERROR_500 = Reply(500, {"error": {"message": "the model crashed", "type": "server_error"}})


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    loopback_only(monkeypatch)


def negotiate(tiny, url, rounds=1, mediator="negotiated", **settings):
    """A run on the tiny scenario with LLM stakeholders (one request at a time) through the stand-in."""
    client = make_client(f"openai-compatible:m@{url}", seed=1, concurrent=False,
                         settings=LLMSettings(**{"max_retries": 0, "timeout": 5.0, **settings}))
    cfg = RunConfig(seed=1, mediator=mediator, max_rounds=rounds, agents="llm", agent_options={"llm": client},
                    mediator_options={"llm": client} if mediator == "llm" else {})
    result = run_negotiation(tiny, cfg)
    moves = [r for r in result.transcript if r["round"] >= 1 and r["role"] in ("stakeholder", "mediator")
             and "llm" in r.get("meta", {})]
    return result, client, moves


def test_cli_defaults_equal_the_llm_layer_defaults():
    assert (llm_options.DEFAULT_TIMEOUT, llm_options.DEFAULT_RETRIES) == (DEFAULT_TIMEOUT, DEFAULT_RETRIES)


def test_every_request_carries_the_output_cap_and_the_json_schema(tiny):
    with StandIn([Reply(body=completion('{"choice": 1, "reason": "ok"}')), Reply(body=completion(ACCEPT))]) as s:
        result, client, moves = negotiate(tiny, s.url, mediator="llm")
    assert len(s.seen) == len(moves) == 4 and client.usage.fallbacks == 0
    mediator, stakeholders = s.seen[0].body, [x.body for x in s.seen[1:]]
    for body, schema in [(mediator, MediatorDraft)] + [(b, StakeholderReply) for b in stakeholders]:
        # max_tokens (what OpenAI-compatible servers read), never only max_completion_tokens
        assert body["max_tokens"] == token_cap(schema) and "max_completion_tokens" not in body
        assert body["response_format"] == {"type": "json_schema", "json_schema": {
            "name": schema.__name__, "schema": schema.model_json_schema(), "strict": False}}
    assert (token_cap(StakeholderReply), token_cap(MediatorDraft)) == (284, 453)
    n = 4 + len(s.positions)                                   # moves and the round-0 positions
    assert client.usage.prompt_tokens == n * 50 and client.usage.completion_tokens == n * 9


def test_llm_max_tokens_overrides_the_cap(tiny):
    with StandIn([Reply(body=completion(ACCEPT))]) as s:
        negotiate(tiny, s.url, max_tokens=64)
    assert [x.body["max_tokens"] for x in s.seen] == [64, 64, 64]


def test_hosted_openai_gets_a_strict_schema_and_max_completion_tokens(monkeypatch):
    with StandIn([Reply(body=completion(ACCEPT))]) as s:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
        monkeypatch.setenv("OPENAI_API_BASE", s.url)
        monkeypatch.setenv("OPENAI_BASE_URL", s.url)
        client = make_client("openai:gpt-4o-mini", settings=LLMSettings(max_retries=0))
        assert client.model.root_client.base_url.host == "127.0.0.1"     # the loopback stand-in, not OpenAI
        assert client.complete([("system", "s"), ("human", "h")], StakeholderReply) == ACCEPT
    body = s.seen[0].body
    assert body["max_completion_tokens"] == 284 and "max_tokens" not in body
    fmt = body["response_format"]["json_schema"]
    assert fmt["strict"] is True and fmt["name"] == "StakeholderReply"
    schema = fmt["schema"]
    # OpenAI strict mode: every property required, no extra properties, no defaults or length keywords
    assert schema["required"] == ["reservation", "decision", "choice", "amendment", "ranking", "reason"]
    assert schema["additionalProperties"] is False
    text = json.dumps(schema)
    assert all(f'"{k}"' not in text for k in ("default", "maxLength", "title"))


@pytest.mark.parametrize("first", [Reply(429, {"error": {"message": "slow down"}}), ERROR_500])
def test_429_and_500_are_retried_with_backoff_then_answered(tiny, first):
    with StandIn([first, first, Reply(body=completion(ACCEPT))]) as s:
        client = make_client(f"openai-compatible:m@{s.url}", settings=LLMSettings(max_retries=2, timeout=5.0))
        assert client.complete([("human", "h")], StakeholderReply) == ACCEPT
    gaps = [b.at - a.at for a, b in zip(s.seen, s.seen[1:])]
    print(f"status {first.status}: gaps between attempts {[round(g, 2) for g in gaps]} s")
    assert len(s.seen) == 3 and client.usage.calls == 1          # one call, however many attempts
    # the openai SDK's exponential backoff: about 0.5 s then 1 s (jitter takes off at most a quarter)
    assert gaps[0] >= 0.3 and gaps[1] >= 0.6


def test_retries_are_bounded_and_the_failure_is_a_recorded_fallback(tiny):
    with StandIn([ERROR_500]) as s:
        result, client, moves = negotiate(tiny, s.url, max_retries=1)
    assert len(moves) == 3 and len(s.seen) == 3 * 2               # each call: the request and one retry
    causes = [m["meta"]["fallback"] for m in moves]
    assert all(c.startswith("model error: ") and "500" in c for c in causes), causes
    assert all(m["reason"].startswith("[fallback: model error: ") for m in moves)
    u = client.usage
    assert (u.calls - len(s.positions), u.fallbacks, u.repair_prompts) == (3, 3, 0) and result.usage["fallbacks"] == 3


def test_a_server_slower_than_the_timeout_is_a_recorded_fallback(tiny):
    delay = 3.0
    with StandIn([Reply(body=completion(ACCEPT), delay=delay)]) as s:
        result, client, moves = negotiate(tiny, s.url, timeout=0.5)
    assert len(moves) == 3 and len(s.seen) == 3
    assert all("timed out" in m["meta"]["fallback"].lower() for m in moves), [m["meta"] for m in moves]
    assert (client.usage.calls - len(s.positions)) == 3 == client.usage.fallbacks
    # the client gave up on each request before the server answered it
    assert client.usage.seconds < 3 * delay


@pytest.mark.parametrize("reply", [
    Reply(body="<html><body>502 Bad Gateway</body></html>", content_type="text/html"),
    Reply(body="{not json at all", content_type="application/json"),
])
def test_a_200_whose_body_is_not_json_is_a_recorded_fallback(tiny, reply):
    with StandIn([reply]) as s:
        result, client, moves = negotiate(tiny, s.url)
    assert len(moves) == 3 and len(s.seen) == 3                  # not retried, no repair prompt
    assert all(m["meta"]["fallback"].startswith("model error: ") for m in moves), [m["meta"] for m in moves]
    assert ((client.usage.calls - len(s.positions)), client.usage.fallbacks, client.usage.repair_prompts) == (3, 3, 0)
    assert result.outcome.rounds == 1


def test_prose_instead_of_json_gets_one_repair_then_a_fallback(tiny):
    with StandIn([Reply(body=completion("We would like more trees, please."))]) as s:
        result, client, moves = negotiate(tiny, s.url)
    assert all(m["meta"]["fallback"] == "the reply contained no JSON object" for m in moves)
    assert ((client.usage.calls - len(s.positions)), client.usage.repair_prompts, client.usage.fallbacks) == (6, 3, 3) == \
        (len(s.seen), 3, 3)


def test_a_server_refusing_the_json_schema_form_gets_the_schema_as_json_object(tiny):
    refusal = Reply(500, {"error": {"message": "1 validation error: ('body', 'response_format', 'type'): "
                                               "Input should be 'text' or 'json_object'"}})
    with StandIn([refusal, Reply(body=completion(ACCEPT))]) as s:
        result, client, moves = negotiate(tiny, s.url)
    kinds = [x.body["response_format"]["type"] for x in s.seen]
    assert kinds == ["json_schema", "json_object", "json_object", "json_object"]
    assert s.seen[1].body["response_format"]["schema"] == StakeholderReply.model_json_schema()
    assert (client.usage.calls - len(s.positions)) == 3 and client.usage.fallbacks == 0
    assert client.usage.as_dict()["structured_output"] == "json_object_schema"
    assert "refused response_format json_schema" in client.usage.notes[0]


def test_the_api_key_is_written_nowhere(tmp_path, monkeypatch, caplog):
    marker = f"sk-negsim-{uuid.uuid4().hex}"
    monkeypatch.setenv("OPENAI_API_KEY", marker)
    # the first answer echoes the key in a 401, as some servers do; the rest accept
    echo = Reply(401, {"error": {"message": f"Incorrect API key provided: {marker}", "type": "invalid_request_error"}})
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "run"
    with StandIn([echo, Reply(body=completion(ACCEPT))]) as s:
        res = CliRunner().invoke(app, ["run", str(TINY), "--agents", "llm", "--mediator", "llm", "--llm",
                                       f"openai-compatible:m@{s.url}", "--max-rounds", "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert all(x.headers.get("authorization") == f"Bearer {marker}" for x in s.seen)   # the key was in use
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"summary.json", "transcript.jsonl", "llm_cache.jsonl", "outcomes.csv"}
    texts = {str(p): p.read_text(errors="replace") for p in files}
    texts["cli output"] = res.output
    texts["log records"] = "\n".join(f"{r.name} {r.getMessage()} {r.args}" for r in caplog.records)
    assert [where for where, text in texts.items() if marker in text] == []
    assert "[redacted]" in texts[str(out / "transcript.jsonl")]       # the echoed key was scrubbed, not absent


def test_cli_flags_reach_every_request(tmp_path):
    with StandIn([ERROR_500]) as s:
        res = CliRunner().invoke(app, ["run", str(TINY), "--agents", "llm", "--llm", f"openai-compatible:m@{s.url}",
                                       "--max-rounds", "1", "--llm-max-tokens", "64", "--llm-retries", "0",
                                       "--llm-timeout", "5", "--out", str(tmp_path / "r"), "--quiet"])
    assert res.exit_code == 0, res.output
    assert len(s.seen) == 3 and all(x.body["max_tokens"] == 64 for x in s.seen)     # no retry, the cap given
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["llm"]["calls"] - len(s.positions) == 3 == summary["llm"]["fallbacks"]
    for bad in (["--llm-timeout", "0"], ["--llm-max-tokens", "3"], ["--llm-retries", "-1"]):
        res = CliRunner().invoke(app, ["run", str(TINY), "--agents", "llm", "--llm", "local", *bad,
                                       "--out", str(tmp_path / "x")])
        assert res.exit_code == 2 and not (tmp_path / "x").exists()
