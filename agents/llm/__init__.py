"""LLM agents through langchain: client with record/replay, prompts, stakeholder, mediator, 2x2 player.

This is the only package that imports langchain.
"""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "DeliberativeMediator": "agents.llm.deliberative",
    "LLMClient": "agents.llm.client",
    "LLMMediator": "agents.llm.mediator",
    "LLMSettings": "agents.llm.models",
    "LLMSetupError": "agents.llm.models",
    "LLMStakeholder": "agents.llm.stakeholder",
    "make_chat_model": "agents.llm.models",
    "make_client": "agents.llm.factory",
    "replay_client": "agents.llm.factory",
    "ReplayMiss": "agents.llm.client",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
