"""Structured output for Anthropic and Ollama through langchain's with_structured_output (no network):
construction-level checks on the real provider classes, and a recorded fake tool-calling transcript."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("langchain_core")
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel  # noqa: E402
from langchain_core.messages import AIMessage  # noqa: E402
from langchain_core.outputs import ChatGeneration, ChatResult  # noqa: E402

from agents.llm.client import LLMClient  # noqa: E402
from agents.llm.factory import make_client  # noqa: E402
from agents.llm.prompts import MediatorDraft, StakeholderReply  # noqa: E402
from sim.run.runner import RunConfig, run_negotiation  # noqa: E402


def bound(client: LLMClient, schema):
    """The provider model as bound by with_structured_output (the 'raw' branch of the runnable)."""
    return client.runnable(schema).first.steps__["raw"]


def test_anthropic_gets_the_schema_as_a_forced_tool(monkeypatch):
    pytest.importorskip("langchain_anthropic")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key-not-used")
    client = make_client("anthropic:claude-3-5-haiku-latest")
    assert client.params["structured_method"] == "function_calling"
    raw = bound(client, StakeholderReply)
    tool = raw.kwargs["tools"][0]
    assert tool["name"] == "StakeholderReply" and raw.kwargs["tool_choice"]["name"] == "StakeholderReply"
    assert set(tool["input_schema"]["properties"]) == set(StakeholderReply.model_json_schema()["properties"])


def test_ollama_gets_the_json_schema_as_its_format():
    pytest.importorskip("langchain_ollama")
    client = make_client("ollama:llama3.2")
    assert client.params["structured_method"] == "json_schema"
    fmt = bound(client, MediatorDraft).kwargs["format"]
    assert fmt["title"] == "MediatorDraft" and set(fmt["properties"]) == {"choice", "items", "reason"}


def test_local_and_unstructured_providers_keep_their_paths():
    from agents.llm.models import structured_method

    assert structured_method("local") is None and structured_method("gguf:/x.gguf") is None
    fake = make_client("fake:x", model=GenericFakeChatModel(messages=iter([])))
    assert "structured_method" not in fake.params and fake.runnable(StakeholderReply) is fake.model


ANSWERS: dict = {}
SEEN_TOOLS: list = []


class ToolCaller(GenericFakeChatModel):
    """A tool-calling fake provider: answers every bound schema with a scripted tool call (ANSWERS)."""

    def bind_tools(self, tools, **kwargs):
        SEEN_TOOLS.append([t.__name__ if isinstance(t, type) else t for t in tools])
        return self.bind(tools=tools, **kwargs)

    def _generate(self, messages, stop=None, run_manager=None, tools=None, **kwargs):
        name = tools[0].__name__ if tools else "none"
        args = ANSWERS.get(name)
        if callable(args):
            args = args(str(messages[-1].content))
        msg = AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": "call-1"}],
                        usage_metadata={"input_tokens": 50, "output_tokens": 10, "total_tokens": 60})
        return ChatResult(generations=[ChatGeneration(message=msg)])


def test_a_recorded_tool_calling_transcript_is_followed_and_replayed(tiny):
    ANSWERS.update({
        "StakeholderPosition": {"priorities": {"a": 1, "b": 1, "c": 8}, "must_have": [], "never": [],
                                "reason": "comfort first"},
        "MediatorDraft": {"choice": 1, "reason": "the engine's first candidate"},
        "StakeholderReply": lambda text: {"decision": "accept", "reason": "fine"} if "'wheel'" in text
        else {"decision": "object", "reservation": 3.0, "reason": "more"},
    })
    SEEN_TOOLS.clear()
    client = make_client("anthropic:fake", seed=2, model=ToolCaller(messages=iter([])), concurrent=False)
    cfg = RunConfig(seed=2, mediator="llm", max_rounds=2, agents="llm", agent_options={"llm": client},
                    mediator_options={"llm": client})
    result = run_negotiation(tiny, cfg)
    rows = [r for r in result.transcript if "llm" in r.get("meta", {})]
    assert client.usage.fallbacks == 0 and client.usage.repair_prompts == 0
    assert client.usage.calls == len(rows) and client.usage.prompt_tokens == 50 * len(rows)
    assert {"StakeholderReply", "MediatorDraft", "StakeholderPosition"} <= {t[0] for t in SEEN_TOOLS}
    replies = {r["agent"]: r for r in rows if r["round"] == 1 and r["role"] == "stakeholder"}
    assert replies["wheel"]["reason"].startswith("fine") and replies["green"]["reservation"] == 3.0
    assert (replies["wheel"]["kind"] == "accept") != ("override" in replies["wheel"])   # accepted, or overridden
    assert all(json.loads(v) for v in client.cache.values())    # stored as the parsed JSON
    replay = LLMClient(None, client.model_name, seed=2, params=client.params, cache=dict(client.cache), replay=True)
    cfg2 = RunConfig(seed=2, mediator="llm", max_rounds=2, agents="llm", agent_options={"llm": replay},
                     mediator_options={"llm": replay})
    again = run_negotiation(tiny, cfg2)
    assert json.dumps(again.transcript) == json.dumps(result.transcript) and replay.usage.calls == 0
