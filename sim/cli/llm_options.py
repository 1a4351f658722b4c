"""LLM options of `negsim run`: --llm SPEC, --replay DIR, --dry-run (helpers, no command of its own).

Imports agents.llm (and so langchain) only when an LLM agent is in the lineup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import typer

from sim.cli.common import fail
from sim.run.registry import AgentSpec

HELP_LLM = ("chat model for llm agents: local | openai:MODEL | anthropic:MODEL | ollama:MODEL | "
            "openai-compatible:MODEL@URL | gguf:PATH")
HELP_MAX_TOKENS = "output cap of every LLM answer (default: from the answer's schema, 205 stakeholder / 453 mediator)"
HELP_TIMEOUT = "seconds before an LLM request times out (remote providers)"
HELP_THREADS = "llama.cpp threads of a local model (default: the cores free now, CPU count less load, at least 1)"
HELP_RETRIES = "retries of a failed LLM request, with the provider library's backoff (remote providers)"
# kept equal to agents.llm.models (not imported here: langchain loads only for LLM runs)
DEFAULT_TIMEOUT = 120.0
DEFAULT_RETRIES = 2


@dataclass
class LLMSetup:
    """What the run command needs from the LLM layer."""

    client: Any = None
    agent_options: dict[str, Any] = field(default_factory=dict)
    mediator_options: dict[str, Any] = field(default_factory=dict)


def _uses_llm(spec: str) -> bool:
    return AgentSpec.parse(spec).name == "llm"


def setup_llm(scenario, default: str, lineup: dict[str, str], mediator: str, seed: Optional[int],
              flags: dict[str, Any]) -> LLMSetup | None:
    """Build the shared client (or the dry-run report, returning None); one-line errors."""
    groups = [g for g in scenario.group_ids if _uses_llm(lineup.get(g, default))]
    llm_mediator = _uses_llm(mediator)
    if not groups and not llm_mediator:
        if flags["llm"] or flags["replay"] or flags["dry_run"]:
            fail("--llm/--replay/--dry-run: no LLM agent in the run; fix: add --agents llm or --mediator llm")
        return LLMSetup()
    from sim.core.errors import NegsimError
    from sim.run.registry import llm_run_hook

    try:
        llm = llm_run_hook("layer")
    except ImportError:
        fail("langchain-core is not installed; fix: pip install 'negsim[llm]'")
    if flags["dry_run"]:
        _dry_run(scenario, groups, llm_mediator, flags, llm)
        return None
    try:
        LLMSettings = llm_run_hook("settings")
        run_seed = scenario.protocol.seed if seed is None else seed
        if flags["replay"]:
            client = llm.replay_client(Path(flags["replay"]), run_seed)
        else:
            settings = LLMSettings(max_tokens=flags.get("max_tokens"), timeout=flags.get("timeout", DEFAULT_TIMEOUT),
                                   max_retries=flags.get("retries", DEFAULT_RETRIES), threads=flags.get("threads"))
            client = llm.make_client(flags["llm"] or "local", seed=run_seed, settings=settings)
    except (NegsimError, FileNotFoundError) as e:     # LLMSetupError: a missing extra or key
        fail(str(e))
    return LLMSetup(client, {"llm": client}, {"llm": client} if llm_mediator else {})


def _dry_run(scenario, groups: list[str], llm_mediator: bool, flags: dict[str, Any], llm) -> None:
    from sim.core.context import make_context

    ctx = make_context(scenario, max_rounds=flags["max_rounds"])
    est = llm.estimate(ctx, groups, llm_mediator, flags.get("max_tokens"))
    typer.echo(f"dry run: at most {est['calls']} model calls ({est['max_calls']} if every answer needs "
               f"a repair prompt), "
               f"at most {est['max_prompt_tokens']:,} prompt and {est['max_completion_tokens']:,} "
               f"completion tokens over {ctx.max_rounds} rounds")


def run_with_llm(run_fn, setup: LLMSetup):
    """Call run_fn(); a replay miss becomes a one-line error."""
    if setup.client is None:
        return run_fn()
    from sim.core.errors import NegsimError
    from sim.run.runner import RunOverTime

    try:
        return run_fn()
    except NegsimError as e:           # ReplayMiss: a model call the replayed run did not record
        if isinstance(e, RunOverTime):
            raise
        fail(f"--replay: {e}")


def save_llm(setup: LLMSetup, out: Path) -> None:
    """Write the record/replay cache into the run folder (not when replaying)."""
    if setup.client is not None and not setup.client.replay:
        setup.client.save(out)
