"""One run's gateway to a chat model: record/replay cache, structured parsing, usage counters.

Every call is keyed by (model, messages, params, seed). In record mode a miss calls the
model and stores the raw text; in replay mode a miss is an error, so a replayed run makes
zero model calls and, given the same responses, reproduces the transcript exactly.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

from pydantic import BaseModel, ValidationError

from sim.core.errors import NegsimError

CACHE_FILE = "llm_cache.jsonl"
MODEL_ERROR = "model error: "
T = TypeVar("T", bound=BaseModel)


class ReplayMiss(NegsimError, RuntimeError):
    """A replayed run asked for a response that was never recorded."""


@dataclass
class Usage:
    """Counters reported in summary.json under `llm`."""

    model: str
    calls: int = 0
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0      # prompt tokens the provider reused from its cache (llama.cpp: the prefix)
    completion_tokens: int = 0
    cache_hits: int = 0
    fallbacks: int = 0
    repair_prompts: int = 0
    seconds: float = 0.0
    structured_output: str | None = None     # the response_format style actually sent
    notes: list[str] = field(default_factory=list)
    events: dict[str, int] = field(default_factory=dict)   # recorded replacements and drops, by kind

    def as_dict(self) -> dict[str, Any]:
        """The counters for summary.json, seconds rounded to milliseconds."""
        return {**self.__dict__, "events": dict(sorted(self.events.items())), "seconds": round(self.seconds, 3),
                "notes": list(self.notes)}


@dataclass
class LLMClient:
    """Calls `model` (None in replay mode) through the cache and counts usage."""

    model: Any
    model_name: str
    seed: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, str] = field(default_factory=dict)
    replay: bool = False
    concurrent: bool = False   # batch the stakeholders' first prompts of a round (thread-safe clients)
    structured: str | None = None    # how the JSON schema is sent (agents.llm.structured); None: prompt only
    max_tokens: int | None = None    # output cap of every call; None: derived from each answer's schema
    per_call_cap: bool = True        # False for providers that take the cap only at construction (ollama)
    per_call_seed: bool = False      # the embedded model: the run seed goes with every call

    def __post_init__(self) -> None:
        self.usage = Usage(self.model_name, structured_output=self.structured)
        self.records: list[dict] = []  # one consistency record per own LLM stakeholder decision
        self.peers: list = []          # LLM stakeholders of the run, for per-round batching
        self._round: tuple | None = None
        self._prefetched: dict[str, str] = {}

    def key(self, messages: list[tuple[str, str]]) -> str:
        """The cache key of a prompt: a hash of model name, messages, params and seed."""
        blob = json.dumps([self.model_name, messages, self.params, self.seed], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def complete(self, messages: list[tuple[str, str]], schema: type[BaseModel] | None = None) -> str:
        """The raw response text for (role, content) messages, from the cache or the model."""
        k = self.key(messages)
        if k in self.cache:
            self.usage.cache_hits += 1
            return self.cache[k]
        if k in self._prefetched:
            self.cache[k] = self._prefetched.pop(k)
            return self.cache[k]
        if self.replay or self.model is None:
            raise ReplayMiss("replay: a model call was not recorded; fix: replay a run made with "
                             "the same scenario, seed, agents and --llm")
        self.cache[k] = self._account(self._call([messages], schema)[0])
        return self.cache[k]

    def call_options(self, schema: type[BaseModel] | None) -> dict[str, Any]:
        """Per-call request fields: the JSON schema as `response_format` and the output cap `max_tokens`."""
        from agents.llm.structured import response_format, token_cap

        out: dict[str, Any] = {"seed": self.seed} if self.per_call_seed else {}
        if schema is None:
            return out
        if (fmt := response_format(schema, self.structured)) is not None:
            out["response_format"] = fmt
        if self.per_call_cap:
            out["max_tokens"] = self.max_tokens or token_cap(schema)
        return out

    def _call(self, batch: list[list], schema: type[BaseModel] | None) -> list:
        """Replies (or exceptions) for a batch of prompts; one retry in the older schema form if refused.

        The provider library retries transport errors itself (`LLMSettings`); here only a
        server that refuses the standard json_schema form is asked again in llama-cpp-python's
        form, once per run, and the switch is recorded in the usage.
        """
        from agents.llm.structured import rejects_response_format

        replies = self._send(batch, schema)
        refused = [i for i, r in enumerate(replies) if isinstance(r, Exception) and rejects_response_format(r)]
        if refused and self.structured == "json_schema":
            self.structured = self.usage.structured_output = "json_object_schema"
            self.usage.notes.append("the server refused response_format json_schema; sent json_object with schema")
            for i, r in zip(refused, self._send([batch[i] for i in refused], schema)):
                replies[i] = r
        return replies

    def _send(self, batch: list[list], schema: type[BaseModel] | None) -> list:
        options = self.call_options(schema)
        started = time.perf_counter()
        try:
            if len(batch) == 1:
                try:
                    return [self.runnable(schema).invoke(batch[0], **options)]
                except Exception as e:   # network, timeout, rate limit, provider error: answered by a fallback
                    return [e]
            return self.runnable(schema).batch(batch, return_exceptions=True, **options)
        finally:
            self.usage.seconds += time.perf_counter() - started

    def runnable(self, schema: type[BaseModel] | None):
        """The model, or its langchain structured-output runnable for `schema` when the provider has one.

        `params["structured_method"]` names langchain's method (`function_calling` for Anthropic tool
        use, `json_schema` for Ollama's format); the runnable returns {"raw", "parsed", "parsing_error"}.
        """
        method = self.params.get("structured_method")
        if schema is None or not method:
            return self.model
        return self.model.with_structured_output(schema, method=method, include_raw=True)

    def _account(self, msg) -> str:
        """Count one call and its tokens; the reply text (or the recorded model error, secrets redacted).

        A structured reply is stored as the parsed object's JSON; when the provider's parsing failed,
        the raw text is stored and parsed as free text (the fallback path).
        """
        self.usage.calls += 1
        if isinstance(msg, Exception):
            first = str(msg).splitlines()[0][:200] if str(msg) else ""
            return redact(f"{MODEL_ERROR}{type(msg).__name__}: {first}")
        if isinstance(msg, dict) and "raw" in msg:
            parsed, msg = msg.get("parsed"), msg["raw"]
            self._count_tokens(msg)
            if isinstance(parsed, BaseModel):
                return parsed.model_dump_json()
            return msg.content if isinstance(msg.content, str) else json.dumps(msg.content)
        self._count_tokens(msg)
        return msg.content if isinstance(msg.content, str) else json.dumps(msg.content)

    def _count_tokens(self, msg) -> None:
        meta = getattr(msg, "usage_metadata", None) or {}
        self.usage.prompt_tokens += int(meta.get("input_tokens", 0))
        self.usage.cached_prompt_tokens += int((meta.get("input_token_details") or {}).get("cache_read", 0) or 0)
        self.usage.completion_tokens += int(meta.get("output_tokens", 0))

    def prefetch_round(self, round_: int, draft, state, schema: type[BaseModel] | None = None) -> None:
        """Request every peer's first prompt of this round at once.

        model.batch runs them concurrently; results are counted as calls and served to the peers in turn.
        """
        mark = (round_, draft.tobytes())
        if not self.concurrent or self.replay or self._round == mark:
            return
        self._round = mark
        todo = {}
        for peer in self.peers:
            messages = peer.prepare(state)
            if (k := self.key(messages)) not in self.cache:
                todo[k] = messages
        if not todo:
            return
        schema = schema or getattr(self.peers[0], "schema", None)
        for k, msg in zip(todo, self._call(list(todo.values()), schema)):
            self._prefetched[k] = self._account(msg)

    def save(self, folder: Path, name: str = CACHE_FILE) -> Path:
        """Write the cache as JSON lines (one header line, then key/response pairs) to folder/name."""
        from sim.core.records import atomic_write

        lines = [json.dumps({"model": self.model_name, "seed": self.seed, "params": self.params})]
        lines += [json.dumps({"key": k, "response": v}) for k, v in sorted(self.cache.items())]
        path = Path(folder) / name
        atomic_write(path, "\n".join(lines) + "\n")
        return path


SECRET_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET")


def redact(text: str) -> str:
    """Text with the value of every secret-looking environment variable replaced (keys never reach a file)."""
    for name, value in os.environ.items():
        if name.upper().endswith(SECRET_SUFFIXES) and len(value) >= 8 and value in text:
            text = text.replace(value, "[redacted]")
    return text


def load_cache(folder: Path) -> tuple[dict, dict[str, str]]:
    """(header, key -> response) from a run folder's llm_cache.jsonl."""
    path = Path(folder) / CACHE_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path}: not found; fix: --replay a run folder made with --agents llm "
                                "or --mediator llm")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return rows[0], {r["key"]: r["response"] for r in rows[1:]}


def parse(text: str, schema: type[T]) -> tuple[T | None, str]:
    """Parse a JSON object (possibly wrapped in prose or a code fence); (None, why) on failure."""
    if text.startswith(MODEL_ERROR):
        return None, text
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None, "the reply contained no JSON object"
    try:
        return schema.model_validate_json(text[start:end + 1]), ""
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "reply"
        return None, f"invalid JSON for {schema.__name__}: {where}: {first.get('msg', 'invalid')}"


def ask_with_repair(client: "LLMClient", messages: list, schema: type[T],
                    accept: Callable[[T], tuple[Any, str]]) -> tuple[Any, str]:
    """Ask, check the reply, and repair once; (None, why) if both answers fail.

    The engine checks the parsed reply with `accept` (-> (result, why)); on a
    malformed or rejected answer the model is asked once more with the reason. A provider
    error (after the provider library's own retries) is not an answer: it is counted as a
    `model_error` event and goes straight to the caller's fallback, with no repair prompt.
    """
    from agents.llm.prompts import REPAIR

    why, text = "", ""
    for attempt in range(2):
        if attempt:
            client.usage.repair_prompts += 1
            messages = messages + [("ai", text), ("human", REPAIR.format(why=why))]
        text = client.complete(messages, schema)
        if text.startswith(MODEL_ERROR):   # the library already retried; never fed back to the model
            client.usage.events["model_error"] = client.usage.events.get("model_error", 0) + 1
            return None, text
        reply, why = parse(text, schema)
        if reply is not None:
            result, why = accept(reply)
            if result is not None:
                return result, ""
    return None, why
