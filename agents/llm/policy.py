"""What the LLM mediators need from a run, decided here rather than in the registry.

Light on purpose (no langchain): the registry resolves these by name before any model is built.
"""

from __future__ import annotations

__all__ = ["check_mediator_option", "implied_elicitation"]


def implied_elicitation(mediator: str | None) -> str | None:
    """The elicitation a mediator needs when the run sets none: `llm:deliberative[:N]` -> rank:N+1.

    The deliberative mediator's N proposals are ranked together with the round's draft.
    """
    parts = (mediator or "").split(":")
    if parts[:2] != ["llm", "deliberative"]:
        return None
    n = parts[2] if len(parts) > 2 else "3"
    return f"rank:{int(n) + 1}" if n.isdigit() else None


def check_mediator_option(option: str | None) -> str:
    """Why `llm:OPTION` names no LLM mediator ('' when it does): a strategy or deliberative[:N]."""
    from agents.llm.deliberative import parse_n
    from sim.run.registry import STRATEGIES

    if option is None or option in STRATEGIES:
        return ""
    try:
        parse_n(option)
    except ValueError as err:
        if "unknown LLM mediator variant" in str(err):
            return (f"unknown LLM mediator variant '{option}'; fix: use llm, llm:STRATEGY "
                    f"({', '.join(STRATEGIES)}) or llm:deliberative[:N]")
        return str(err)
    return ""
