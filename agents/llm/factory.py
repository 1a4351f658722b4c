"""Factories of the `llm` stakeholder and mediator (named in sim.run.registry).

One shared client per run; dry-run estimates.

Agents receive the run's LLMClient through the `llm` option (RunConfig.agent_options /
mediator_options), so all LLM agents of a run share one cache and one set of counters.
"""

from __future__ import annotations

import json
from typing import Any

from agents.llm.client import LLMClient, load_cache
from agents.llm.mediator import LLMMediator
from agents.llm.policy import check_mediator_option
from agents.llm.stakeholder import LLMStakeholder


def _client(options: dict[str, Any]) -> LLMClient:
    client = options.pop("llm", None)
    if client is None:
        raise KeyError("llm agents need a client: pass agent_options={'llm': make_client(SPEC)}")
    return client


def make_llm_stakeholder(group_id: str, option: str | None, **options: Any) -> LLMStakeholder:
    """Registry factory for the `llm` stakeholder (the run's client comes in the `llm` option)."""
    return LLMStakeholder(group_id, _client(options))


def make_llm_mediator(name: str, option: str | None, **options: Any):
    """Registry factory for the `llm[:STRATEGY]` and `llm:deliberative[:N]` mediators."""
    from sim.run.registry import UnknownAgent

    if why := check_mediator_option(option):
        raise UnknownAgent(why)
    client = _client(options)
    if option and option.startswith("deliberative"):
        from agents.llm.deliberative import DeliberativeMediator, parse_n

        return DeliberativeMediator(client, n=parse_n(option))
    return LLMMediator(client, strategy=option or "negotiated")


def make_client(spec: str, seed: int = 0, model: Any = None, concurrent: bool | None = None,
                settings: Any = None) -> LLMClient:
    """A recording client for `--llm SPEC` (model built from the spec and `LLMSettings` unless given).

    Stakeholders' prompts of a round are batched concurrently except on llama.cpp (one context, not thread-safe).
    The cache key's params hold what changes answers: temperature, how the schema is sent, the cap setting.
    """
    from agents.llm.models import LLMSettings, make_chat_model, structured_method, structured_style

    settings = settings or LLMSettings()
    provider = spec.split(":")[0]
    local = provider in ("local", "gguf")
    chat = model if model is not None else make_chat_model(spec, settings=settings, seed=seed)
    style = structured_style(spec)
    params = {"temperature": settings.temperature, "structured": style, "max_tokens": settings.max_tokens}
    if method := structured_method(spec):      # anthropic, ollama: langchain's with_structured_output
        params["structured_method"] = method
    return LLMClient(chat, spec, seed=seed, params=params, structured=style, max_tokens=settings.max_tokens,
                     per_call_cap=provider != "ollama", per_call_seed=local,
                     concurrent=(not local) if concurrent is None else concurrent)


_MODELS = None   # chat models of this worker process by spec (one per worker, shared by its runs)


def run_client(spec: str | None, seed: int, cache_file: str, replay_file: str | None = None) -> LLMClient:
    """A sweep run's client: the worker's chat model for `spec`, the run's cache loaded from its file.

    With `replay_file` the client answers only from that recorded cache (zero calls; a miss is a
    ReplayMiss); otherwise an existing `cache_file` (a resumed or repeated run) is replayed first.
    """
    global _MODELS
    from pathlib import Path

    from sim.core.cache import LRU

    source = Path(replay_file or cache_file)
    cache = {}
    if source.exists():
        cache = {r["key"]: r["response"] for r in map(json.loads, source.read_text().splitlines()[1:]) if r}
    if replay_file is not None:
        header = json.loads(source.read_text().splitlines()[0]) if source.exists() else {}
        return LLMClient(None, header.get("model", spec or "replay"), seed=seed,
                         params=header.get("params", {}), cache=cache, replay=True)
    if _MODELS is None:
        _MODELS = LRU(4)
    base = _MODELS.get_or_build(spec, lambda: make_client(spec, seed=seed))
    return LLMClient(base.model, spec, seed=seed, params=dict(base.params), cache=cache, concurrent=base.concurrent,
                     structured=base.structured, max_tokens=base.max_tokens, per_call_cap=base.per_call_cap,
                     per_call_seed=base.per_call_seed)


def save_run_cache(client: LLMClient, cache_file: str) -> None:
    """Write a sweep run's cache to its file in the sweep folder."""
    from pathlib import Path

    path = Path(cache_file)
    client.save(path.parent, path.name)


def replay_client(folder, seed: int) -> LLMClient:
    """A client answering only from a recorded run folder's cache (zero model calls)."""
    header, cache = load_cache(folder)
    return LLMClient(None, header["model"], seed=seed, params=header["params"],
                     cache=cache, replay=True)


def estimate(ctx, llm_groups: list[str], llm_mediator: bool, max_tokens: int | None = None) -> dict[str, int]:
    """Upper bounds for a run before spending: calls and tokens.

    Calls are one per LLM agent per round plus each LLM group's opening position, doubled by
    repair prompts; tokens take the prompt size estimated at 4 characters per token; completions
    the output cap of each answer.
    """
    from agents.llm.prompts import (
        MediatorDraft,
        StakeholderReply,
        mediator_prompt,
        position_prompt,
        public_system,
        stakeholder_prompt,
    )
    from agents.llm.structured import token_cap

    rub, rounds = ctx.rubric, ctx.max_rounds
    x = ctx.disagreement_package
    system = len(public_system(ctx))
    per_round = len(llm_groups) + int(llm_mediator)
    chars = sum(system + len(stakeholder_prompt(ctx, rub.group_index[g], x, 1, [])) + 6 * 60 for g in llm_groups)
    opening = sum(system + len(position_prompt(ctx, rub.group_index[g])) for g in llm_groups)
    if llm_mediator:
        cands = [(ctx.search.optimise(o).package, o) for o in ("utilitarian", "maximin", "nash")]
        chars += system + len(mediator_prompt(ctx, 1, x, ["g: objects"] * rub.n_groups, cands))
    prompt_tokens = rounds * (chars // 4 + 1) + opening // 4 + 1
    calls = rounds * per_round + len(llm_groups)
    return {"calls": calls, "max_calls": 2 * calls,
            "max_prompt_tokens": 3 * prompt_tokens,   # a repair prompt re-sends the prompt plus the reply
            "max_completion_tokens": 2 * ((calls - rounds * int(llm_mediator)) * (max_tokens or token_cap(StakeholderReply))
                                          + rounds * int(llm_mediator) * (max_tokens or token_cap(MediatorDraft)))}
