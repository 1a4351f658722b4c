"""Factories of the `llm` stakeholder and mediator (named in sim.run.registry).

One shared client per run; dry-run estimates.

Agents receive the run's LLMClient through the `llm` option (RunConfig.agent_options /
mediator_options), so all LLM agents of a run share one cache and one set of counters.
"""

from __future__ import annotations

from typing import Any

from agents.llm.client import LLMClient, load_cache
from agents.llm.mediator import LLMMediator
from agents.llm.stakeholder import LLMStakeholder


def _client(options: dict[str, Any]) -> LLMClient:
    client = options.pop("llm", None)
    if client is None:
        raise KeyError("llm agents need a client: pass agent_options={'llm': make_client(SPEC)}")
    return client


def make_llm_stakeholder(group_id: str, option: str | None, **options: Any) -> LLMStakeholder:
    """Registry factory for the `llm` stakeholder (the run's client comes in the `llm` option)."""
    return LLMStakeholder(group_id, _client(options))


def make_llm_mediator(name: str, option: str | None, **options: Any) -> LLMMediator:
    """Registry factory for the `llm[:STRATEGY]` mediator."""
    return LLMMediator(_client(options), strategy=option or "negotiated")


def make_client(spec: str, seed: int = 0, model: Any = None, concurrent: bool | None = None,
                settings: Any = None) -> LLMClient:
    """A recording client for `--llm SPEC` (model built from the spec and `LLMSettings` unless given).

    Stakeholders' prompts of a round are batched concurrently except on llama.cpp (one context, not thread-safe).
    The cache key's params hold what changes answers: temperature, how the schema is sent, the cap setting.
    """
    from agents.llm.models import LLMSettings, make_chat_model, structured_style

    settings = settings or LLMSettings()
    provider = spec.split(":")[0]
    local = provider in ("local", "gguf")
    chat = model if model is not None else make_chat_model(spec, settings=settings)
    style = structured_style(spec)
    params = {"temperature": settings.temperature, "structured": style, "max_tokens": settings.max_tokens}
    return LLMClient(chat, spec, seed=seed, params=params, structured=style, max_tokens=settings.max_tokens,
                     per_call_cap=provider != "ollama",
                     concurrent=(not local) if concurrent is None else concurrent)


def replay_client(folder, seed: int) -> LLMClient:
    """A client answering only from a recorded run folder's cache (zero model calls)."""
    header, cache = load_cache(folder)
    return LLMClient(None, header["model"], seed=seed, params=header["params"],
                     cache=cache, replay=True)


def estimate(ctx, llm_groups: list[str], llm_mediator: bool, max_tokens: int | None = None) -> dict[str, int]:
    """Upper bounds for a run before spending: calls and tokens.

    Calls are one per LLM agent per round, doubled by repair prompts; tokens take the
    prompt size estimated at 4 characters per token; completions the output cap of each answer.
    """
    from agents.llm.prompts import (
        MediatorDraft,
        StakeholderReply,
        mediator_prompt,
        mediator_system,
        stakeholder_prompt,
        stakeholder_system,
    )
    from agents.llm.structured import token_cap

    rub, rounds = ctx.rubric, ctx.max_rounds
    x = ctx.disagreement_package
    per_round = len(llm_groups) + int(llm_mediator)
    chars = sum(len(stakeholder_system(ctx, rub.group_index[g]))
                + len(stakeholder_prompt(ctx, rub.group_index[g], x, 1, 0.0, [])) + 5 * 60 for g in llm_groups)
    if llm_mediator:
        cands = [(ctx.search.optimise(o).package, o) for o in ("utilitarian", "maximin", "nash")]
        chars += len(mediator_system(ctx)) + len(mediator_prompt(ctx, 1, x, ["g: objects"] * rub.n_groups, cands))
    prompt_tokens = rounds * (chars // 4 + 1)
    return {"calls": rounds * per_round, "max_calls": 2 * rounds * per_round,
            "max_prompt_tokens": 3 * prompt_tokens,   # a repair prompt re-sends the prompt plus the reply
            "max_completion_tokens": 2 * rounds * (len(llm_groups) * (max_tokens or token_cap(StakeholderReply))
                                                   + int(llm_mediator) * (max_tokens or token_cap(MediatorDraft)))}
