"""`negsim llm-check --llm SPEC`: does a chat model bargain by its group's values? (a thin face of agents.llm.check)."""

from __future__ import annotations

import json
from typing import Optional

import typer

from sim.cli.common import fail
from sim.cli.llm_options import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    HELP_LLM,
    HELP_MAX_TOKENS,
    HELP_RETRIES,
    HELP_THREADS,
    HELP_TIMEOUT,
)


def llm_check(llm: str = typer.Option("local", "--llm", help=HELP_LLM),
              seed: int = typer.Option(0, "--seed", help="the model's seed"),
              temperature: float = typer.Option(0.0, "--temperature", min=0.0, max=2.0, help="sampling temperature"),
              llm_threads: Optional[int] = typer.Option(None, "--llm-threads", min=1, help=HELP_THREADS),
              llm_max_tokens: Optional[int] = typer.Option(None, "--llm-max-tokens", min=16, help=HELP_MAX_TOKENS),
              llm_timeout: float = typer.Option(DEFAULT_TIMEOUT, "--llm-timeout", min=0.1, help=HELP_TIMEOUT),
              llm_retries: int = typer.Option(DEFAULT_RETRIES, "--llm-retries", min=0, max=10, help=HELP_RETRIES),
              as_json: bool = typer.Option(False, "--json", help="print the report as JSON (for CI)")) -> None:
    """Ask a model a fixed set of decision states from the shipped scenarios; score it against the truthful rule agent."""
    from sim.core.errors import NegsimError
    from sim.run.registry import llm_run_hook

    try:
        layer, settings, check = llm_run_hook("layer"), llm_run_hook("settings"), llm_run_hook("check")
    except ImportError:
        fail("langchain-core is not installed; fix: pip install 'negsim[llm]'")
    try:
        client = layer.make_client(llm, seed=seed, settings=settings(
            temperature=temperature, max_tokens=llm_max_tokens, timeout=llm_timeout, max_retries=llm_retries,
            threads=llm_threads))
    except (NegsimError, FileNotFoundError) as e:       # LLMSetupError: a missing extra, key or model file
        fail(str(e))
    report = check.run_check(client)
    typer.echo(json.dumps(report.as_dict(), indent=2) if as_json else check.render(report))


def register(app: typer.Typer) -> None:
    """Add `negsim llm-check` to the CLI app."""
    app.command("llm-check")(llm_check)
