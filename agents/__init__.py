"""Behaviour: rule stakeholders, mediator strategies, Schulze aggregation, memory, 2x2 game players, the human seat.

LLM agents live in `agents.llm`; the engine finds all of them by name
through `sim.run.registry`.
"""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "AwaitingHuman": "agents.human",
    "HumanStakeholder": "agents.human",
    "BeliefSettings": "agents.beliefs",
    "Beliefs": "agents.beliefs",
    "CURVES": "agents.heuristic",
    "HeuristicStakeholder": "agents.heuristic",
    "LedgerMediator": "agents.memory",
    "MemoryStakeholder": "agents.memory",
    "RuleMediator": "agents.mediators",
    "ScriptedPlayer": "agents.game_players",
    "schulze": "agents.schulze",
    "StakeholderPlayer": "agents.game_players",
    "STRATEGIES": "agents.mediators",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
