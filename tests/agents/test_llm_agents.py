"""LLM agents driven by langchain-core fake chat models: scripted play, repair, fallback, replay, dry run."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("langchain_core")
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel  # noqa: E402
from langchain_core.messages import AIMessage  # noqa: E402
from langchain_core.outputs import ChatGeneration, ChatResult  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from agents.llm import models  # noqa: E402
from agents.llm.client import parse  # noqa: E402
from agents.llm.factory import make_client  # noqa: E402
from agents.llm.prompts import StakeholderReply  # noqa: E402
from agents.llm.stakeholder import LLMStakeholder, check_amendment  # noqa: E402
from agents.llm.structured import token_cap  # noqa: E402
from sim.cli.commands import app  # noqa: E402
from sim.core.context import make_context  # noqa: E402
from sim.core.moves import Amendment  # noqa: E402
from sim.core.protocol import PublicState  # noqa: E402
from sim.core.records import build_summary  # noqa: E402
from sim.run.runner import RunConfig, run_negotiation  # noqa: E402

OBJECT1 = '{"decision": "object", "choice": 1, "reason": "we need more"}'
OBJECT0 = '{"decision": "object", "reason": "not enough for us"}'
ACCEPT = '{"decision": "accept", "reason": "fine by us"}'
PICK1 = '{"choice": 1, "reason": "the rule proposal"}'
POSITION = '{"priorities": {"a": 5, "b": 3, "c": 1}, "must_have": [], "never": [], "reason": "our values"}'


def is_position(messages) -> bool:
    """Whether a prompt asks for the round-0 opening position."""
    return "Round 0: opening statements" in str(messages[-1].content)


class Scripted(GenericFakeChatModel):
    """Answers opening-position prompts with POSITION, every other prompt from the script in order."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        if is_position(messages):
            return ChatResult(generations=[ChatGeneration(message=AIMessage(content=POSITION))])
        return super()._generate(messages, stop, run_manager, **kwargs)


class ScriptedList(FakeListChatModel):
    """FakeListChatModel whose opening-position prompts get POSITION (outside the list)."""

    def _call(self, messages, stop=None, run_manager=None, **kwargs):
        if is_position(messages):
            return POSITION
        return super()._call(messages, stop, run_manager, **kwargs)


def scripted(*texts: str) -> GenericFakeChatModel:
    return Scripted(messages=iter([AIMessage(content=t) for t in texts]))


def run(tiny, model, *, mediator="llm", agents="llm", lineup=None, rounds=3, seed=1, concurrent=False,
        information="full"):
    """A run with a fake model; under full information by default (these scripts follow the omniscient mediator)."""
    client = make_client("fake", seed=seed, model=model, concurrent=concurrent)
    cfg = RunConfig(seed=seed, mediator=mediator, max_rounds=rounds, agents=agents, lineup=lineup or {},
                    agent_options={"llm": client}, mediator_options={"llm": client} if mediator == "llm" else {},
                    information=information)
    return run_negotiation(tiny, cfg), client


def test_scripted_negotiation_follows_the_replies(tiny):
    # mediator always tables candidate 1 (the rule mediator's proposal); round 1: wheel accepts,
    # green and fun object with candidate 1; rounds 2 and 3: everyone accepts
    model = scripted(PICK1, ACCEPT, OBJECT1, OBJECT1, *([PICK1, ACCEPT, ACCEPT, ACCEPT] * 2))
    result, client = run(tiny, model)
    t = result.transcript
    drafts = [r for r in t if r["kind"] == "draft"]
    assert [d["reason"] for d in drafts] == ["the rule proposal"] * 3
    # the opening is the rule mediator's: the best base design 'alt'
    assert drafts[0]["package"] == ["ramp", "bench", "light"]
    r1 = {r["agent"]: r for r in t if r["round"] == 1 and r["role"] == "stakeholder"}
    assert r1["wheel"]["kind"] == "accept" and r1["green"]["kind"] == "object"
    assert r1["green"]["amendments"] == ["swap:trees>ramp"] and r1["green"]["reason"] == "we need more"
    # round 2's draft drops wheel's must-have ramp: the engine turns its scripted accept into an objection
    r2 = {r["agent"]: r for r in t if r["round"] == 2 and r["role"] == "stakeholder"}
    assert "ramp" not in drafts[1]["package"] and r2["wheel"]["kind"] == "object"
    assert "red line broken: missing must-have ramp" in r2["wheel"]["reason"]
    # the override is recorded with its cause (kept out of the mediator's view under private information)
    assert r2["wheel"]["override"] == {"event": "red_line_override", "cause": "red line broken: missing must-have ramp"}
    # wheel's model said "accept" and asked for nothing, so the mediator keeps the draft: no agreement
    assert drafts[2]["package"] == drafts[1]["package"] and not result.outcome.agreement
    assert build_summary(result)["llm"]["events"]["red_line_override"] == 2
    assert client.usage.calls == 15 and client.usage.fallbacks == 0 and client.usage.repair_prompts == 0
    assert not any("fallback" in r.get("meta", {}) for r in t)
    positions = {r["agent"]: r for r in t if r["kind"] == "position"}
    assert positions["green"]["priorities"] == pytest.approx({"a": 5 / 9, "b": 3 / 9, "c": 1 / 9}, abs=1e-9)
    assert positions["green"]["reason"] == "our values"


def test_malformed_json_gets_one_repair_then_a_recorded_fallback(tiny):
    result, client = run(tiny, FakeListChatModel(responses=["I think we should fund trees."]),
                         mediator="negotiated", rounds=2)
    replies = [r for r in result.transcript if r["role"] == "stakeholder"]
    assert replies and all(r["meta"]["fallback"] == "the reply contained no JSON object" for r in replies)
    assert all(r["reason"].startswith("[fallback: ") for r in replies)
    assert client.usage.calls == 2 * len(replies)            # one prompt + one repair prompt each
    assert client.usage.repair_prompts == len(replies) == client.usage.fallbacks
    assert result.usage["fallbacks"] == len(replies)


def test_a_repaired_reply_is_used_without_fallback(tiny):
    model = scripted('{"decision": "maybe"}', ACCEPT, ACCEPT, ACCEPT)
    result, client = run(tiny, model, mediator="negotiated", rounds=1)
    assert client.usage.calls == 4 + 3 and client.usage.repair_prompts == 1 and client.usage.fallbacks == 0
    assert [r["kind"] for r in result.transcript if r["round"] == 1 and r["role"] == "stakeholder"] \
        == ["accept", "accept", "accept"]


class Recorder(FakeListChatModel):
    """A fake model that also keeps the messages of every call."""

    seen: list = []

    def _call(self, messages, stop=None, run_manager=None, **kwargs):
        self.seen.append([m.content for m in messages])
        return super()._call(messages, stop, run_manager, **kwargs)


@pytest.mark.parametrize("bad, why", [
    ("add:ramp", "'ramp' is already in the draft"),
    ("add:lane", "costs 145, over the budget of 100"),
    ("drop:zzz", "unknown item 'zzz'"),
    ("plant:trees", "bad amendment"),
])
def test_an_illegal_amendment_is_rejected_with_its_reason_and_asked_again(tiny, bad, why):
    ctx = make_context(tiny)
    model = Recorder(responses=[json.dumps({"decision": "object", "amendment": bad, "reason": "x"}),
                                json.dumps({"decision": "object", "amendment": "drop:bench", "reason": "y"})])
    model.seen = []
    agent = LLMStakeholder("green", make_client("fake", model=model))
    agent.reset(ctx, np.random.default_rng(0))
    draft = ctx.rubric.package(["ramp", "bench", "light"])
    move = agent.act(PublicState(round=1, draft=draft))
    assert move.kind == "object" and move.amendments == (Amendment("drop", "bench"),)
    assert move.reason == "y" and agent.client.usage.repair_prompts == 1
    assert len(model.seen) == 2 and why in model.seen[1][-1]


def test_check_amendment_known_answers(tiny):
    ctx = make_context(tiny)
    x = ctx.rubric.package(["ramp", "bench"])          # cost 60 of 100
    assert check_amendment(ctx, x, Amendment("add", "trees")) == ""        # 90
    assert "over the budget" in check_amendment(ctx, x, Amendment("add", "lane"))   # 120
    assert check_amendment(ctx, x, Amendment("swap", "light", "bench")) == ""
    assert "not in the draft" in check_amendment(ctx, x, Amendment("swap", "light", "trees"))


def test_infeasible_mediator_draft_gets_a_repair_then_the_rule_draft(tiny):
    bad = '{"items": ["ramp", "lane"], "reason": "both"}'     # lane excludes ramp
    result, client = run(tiny, FakeListChatModel(responses=[bad]), agents="heuristic", rounds=1)
    draft = next(r for r in result.transcript if r["kind"] == "draft")
    assert draft["meta"]["fallback"].startswith("infeasible draft")
    assert draft["package"] == ["ramp", "bench", "light"]    # the rule mediator's opening
    assert client.usage.calls == 2 and client.usage.fallbacks == 1 == result.usage["fallbacks"]


def test_mixed_lineup_only_llm_groups_call_the_model(tiny):
    result, client = run(tiny, ScriptedList(responses=[ACCEPT]), mediator="negotiated",
                         lineup={"wheel": "heuristic"}, rounds=1)
    rows = {r["agent"]: r for r in result.transcript if r["round"] == 1 and r["role"] == "stakeholder"}
    assert "meta" not in rows["wheel"] and rows["green"]["meta"] == {"llm": "fake"}
    assert client.usage.calls == 2 + 2 and result.agents["wheel"] == "heuristic"


class ByGroup(GenericFakeChatModel):
    """Answers from the prompt alone (call order does not matter): wheel accepts, others object.
    GenericFakeChatModel keeps langchain's thread-pool batch, so prefetching really runs concurrently."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        text = messages[-1].content
        reply = POSITION if is_position(messages) else PICK1 if "You are the mediator" in text \
            else ACCEPT if "'wheel'" in text else OBJECT0
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])


def test_concurrent_round_batching_changes_nothing_but_the_schedule(tiny):
    seq, c1 = run(tiny, ByGroup(messages=iter([])), rounds=3)
    con, c2 = run(tiny, ByGroup(messages=iter([])), rounds=3, concurrent=True)
    assert json.dumps(seq.transcript) == json.dumps(con.transcript)
    assert c1.usage.calls == c2.usage.calls == 15 and c2.usage.cache_hits == 0
    assert c1.cache == c2.cache


@settings(max_examples=40, deadline=None)
@given(decision=st.sampled_from(["accept", "object"]), choice=st.none() | st.integers(-3, 9),
       reason=st.text(max_size=60), prose=st.text(alphabet="abc .\n", max_size=20))
def test_parse_round_trips_replies_wrapped_in_prose(decision, choice, reason, prose):
    reply = StakeholderReply(decision=decision, choice=choice, reason=reason)
    got, why = parse(f"{prose}```json\n{reply.model_dump_json()}\n```{prose}", StakeholderReply)
    assert why == "" and got == reply


# -- CLI: record, replay, dry run --------------------------------------------------------------
@pytest.fixture
def fake_models(monkeypatch):
    """make_chat_model returns a fake that always objects / picks candidate 1 (no agreement)."""
    def fake(spec, **kw):
        return ScriptedList(responses=[OBJECT0, PICK1] if spec == "fake:both" else [OBJECT0])
    monkeypatch.setattr(models, "make_chat_model", fake)


def _cli(*args):
    res = CliRunner().invoke(app, [str(a) for a in args])
    return res.exit_code, res.output


@pytest.mark.parametrize("agents, mediator", [("llm", "negotiated"), ("llm,wheel=heuristic", "negotiated")])
def test_dry_run_counts_equal_the_calls_made(tmp_path, fake_models, agents, mediator):
    code, out = _cli("run", "tests/data/tiny.yaml", "--agents", agents, "--mediator", mediator,
                     "--llm", "fake:x", "--max-rounds", 3, "--dry-run")
    assert code == 0, out
    predicted = int(re.search(r"dry run: at most (\d+) model calls", out).group(1))
    assert not (tmp_path / "r").exists()
    code, out = _cli("run", "tests/data/tiny.yaml", "--agents", agents, "--mediator", mediator,
                     "--llm", "fake:x", "--max-rounds", 3, "--out", tmp_path / "r", "--quiet")
    assert code == 0, out
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["agreement"] is False and summary["rounds"] == 3
    assert summary["llm"]["calls"] == predicted > 0 and summary["llm"]["fallbacks"] == 0


def test_replay_reproduces_the_transcript_byte_for_byte_with_zero_calls(tmp_path, fake_models, monkeypatch):
    args = ["run", "tests/data/tiny.yaml", "--agents", "llm", "--mediator", "llm", "--max-rounds", 3, "--quiet"]
    code, out = _cli(*args, "--llm", "fake:both", "--out", tmp_path / "a")
    assert code == 0, out
    first = json.loads((tmp_path / "a" / "summary.json").read_text())["llm"]
    monkeypatch.setattr(models, "make_chat_model", lambda *a, **k: pytest.fail("replay built a model"))
    code, out = _cli(*args, "--replay", tmp_path / "a", "--out", tmp_path / "b")
    assert code == 0, out
    second = json.loads((tmp_path / "b" / "summary.json").read_text())["llm"]
    assert (tmp_path / "a" / "transcript.jsonl").read_bytes() == (tmp_path / "b" / "transcript.jsonl").read_bytes()
    assert first["calls"] > 0 and second["calls"] == 0 and second["cache_hits"] == first["calls"]


def test_replay_of_a_different_run_fails_in_one_line(tmp_path, fake_models):
    code, _ = _cli("run", "tests/data/tiny.yaml", "--agents", "llm", "--llm", "fake:x", "--max-rounds", 2,
                   "--out", tmp_path / "a", "--quiet")
    assert code == 0
    code, out = _cli("run", "tests/data/tiny.yaml", "--agents", "llm", "--seed", 99, "--max-rounds", 2,
                     "--replay", tmp_path / "a", "--out", tmp_path / "b")
    assert code == 2 and "not recorded" in out and len(out.strip().splitlines()) == 1
    assert not (tmp_path / "b").exists()


def test_llm_flags_without_llm_agents_fail(tmp_path):
    code, out = _cli("run", "tests/data/tiny.yaml", "--llm", "local", "--out", tmp_path / "r")
    assert code == 2 and "no LLM agent" in out


@pytest.mark.parametrize("spec, needle", [
    ("nosuch:model", "unknown provider 'nosuch'"),
    ("gguf:/no/such/file.gguf", "not found"),
    ("openai", "missing model name"),
    ("openai-compatible:qwen", "missing @BASE_URL"),
])
def test_make_chat_model_errors_are_one_line(spec, needle):
    with pytest.raises(models.LLMSetupError) as e:
        models.make_chat_model(spec)
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_missing_key_or_extra_names_it(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(models.LLMSetupError) as e:
        models.make_chat_model("openai:gpt-4o-mini")
    assert "OPENAI_API_KEY" in str(e.value) or "negsim[llm]" in str(e.value)


class FakeLlama:
    """Stands in for llama_cpp.Llama: records the request, answers like create_chat_completion."""

    def __init__(self):
        self.requests = []
        self._input_ids, self.n_tokens = [], 0

    def create_chat_completion(self, **kw):
        self.requests.append(kw)
        self._input_ids, self.n_tokens = list(range(129)), 129
        return {"choices": [{"message": {"content": ACCEPT}}],
                "usage": {"prompt_tokens": 120, "completion_tokens": 9, "total_tokens": 129}}


def test_llama_wrapper_constrains_to_the_json_schema_and_reports_tokens(tiny):
    chat = models.LlamaCppChat(model_path="/x/model.gguf")
    chat._llama = FakeLlama()
    schemas = []
    chat._grammar = lambda schema: schemas.append(schema) or "GRAMMAR"
    client = make_client("gguf:/x/model.gguf", model=chat)
    assert client.params["structured"] == "json_object_schema" and not client.concurrent
    text = client.complete([("system", "s"), ("human", "h")], StakeholderReply)
    req = chat._llama.requests[0]
    assert text == ACCEPT and req["messages"] == [{"role": "system", "content": "s"}, {"role": "user", "content": "h"}]
    assert req["grammar"] == "GRAMMAR" and schemas == [StakeholderReply.model_json_schema()]
    assert req["max_tokens"] == token_cap(StakeholderReply) == 284   # cap from the schema
    assert (client.usage.calls, client.usage.prompt_tokens, client.usage.completion_tokens) == (1, 120, 9)
    client.complete([("system", "s"), ("human", "h")], StakeholderReply)     # same messages: cache hit
    assert client.usage.calls == 1 and client.usage.cache_hits == 1 and len(chat._llama.requests) == 1


class Failing(GenericFakeChatModel):
    """A model whose provider is down (GenericFakeChatModel keeps langchain's threaded batch)."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        raise ConnectionError("connection refused\nmore detail")


@pytest.mark.parametrize("concurrent", [False, True])
def test_a_model_error_is_a_recorded_fallback_not_a_crash(tiny, concurrent):
    result, client = run(tiny, Failing(messages=iter([])), mediator="negotiated", rounds=1, concurrent=concurrent)
    replies = [r for r in result.transcript if r["role"] == "stakeholder"]     # 3 positions, 3 replies
    assert all(r["meta"]["fallback"] == "model error: ConnectionError: connection refused" for r in replies)
    # a provider error is not fed back to the model as its answer: one call per move, no repair prompt
    assert client.usage.fallbacks == 6 == client.usage.calls == client.usage.events["model_error"]
    assert client.usage.repair_prompts == 0


def test_prompts_put_the_public_part_first_identical_across_groups(tiny):
    """llama.cpp reuses the evaluated prefix: the system message is the same for every agent and the
    user turn of every group of a round starts with the same public part; private numbers come after."""
    from agents.llm.prompts import mediator_prompt, public_system, stakeholder_prompt

    ctx = make_context(tiny, elicitation="rank:3")
    x = ctx.rubric.package(["ramp", "bench", "light"])
    cands = [x, ctx.rubric.package(["trees", "bench"])]
    turns = [stakeholder_prompt(ctx, g, x, 2, [], cands) for g in range(ctx.rubric.n_groups)]
    public = [t.split("\n---\n")[0] for t in turns]
    assert len(set(public)) == 1 and "Round 2" in public[0] and "Candidate drafts to rank" in public[0]
    for g, turn in enumerate(turns):
        private = turn.split("\n---\n")[1]
        assert f"'{ctx.rubric.group_ids[g]}'" in private and f"'{ctx.rubric.group_ids[g]}'" not in public[0]
        assert "weight" not in public[0] and "utility" not in public[0]
        assert "Accept if" not in turn and "reservation" in private      # no decision rule; it states its own
    system = public_system(ctx)
    assert all(gid in system for gid in ctx.rubric.group_ids) and "weight" not in system
    med = mediator_prompt(ctx, 2, x, [], [(x, "keep")])
    assert med.split("\n---\n")[0].startswith("Round 2")
