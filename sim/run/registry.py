"""Agents by name: the only way the runner and the CLI find behaviour.

Each name maps to a ``"module:attribute"`` entry point resolved on lookup (as PettingZoo's
env registry does), so neither the engine nor the CLI imports an agent module until an
agent of that kind is built. Specs are ``NAME`` or ``NAME:OPTION`` (e.g.
``heuristic:conceder``, ``ledger:maximin``, ``llm``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from sim.core.errors import MissingExtra, NegsimError
from sim.core.interfaces import Mediator, Stakeholder

__all__ = [
    "AgentSpec", "CURVES", "STRATEGIES", "UnknownAgent", "check_belief", "check_mediator", "entry_point", "game_player_names",
    "implied_elicitation",
    "llm_run_hook", "make_game_player",
    "make_mediator", "make_stakeholder", "mediator_names", "register_mediator",
    "register_stakeholder", "scripted_strategies", "stakeholder_names", "uses_llm",
]

# Names the engine knows without importing behaviour (a test checks they match the agent modules).
STRATEGIES = ("utilitarian", "maximin", "leximin", "nash", "kalai", "negotiated")
CURVES = ("boulware", "conceder", "linear", "tit_for_tat")

_STAKEHOLDERS: dict[str, str] = {
    "heuristic": "agents.heuristic:make_heuristic",
    "memory": "agents.memory:make_memory_stakeholder",    # heuristic with memory across budget cycles
    "llm": "agents.llm.factory:make_llm_stakeholder",
    "human": "agents.human:make_human",                   # a person's seat (queue or script of answers)
}
_MEDIATORS: dict[str, str] = {
    **{s: "agents.mediators:make_rule_mediator" for s in STRATEGIES},
    "ledger": "agents.memory:make_ledger_mediator",       # ledger:STRATEGY, on cumulative utilities
    "llm": "agents.llm.factory:make_llm_mediator",
}
_MEDIATOR_POLICIES: dict[str, dict[str, str]] = {   # per mediator kind, decided by the agents
    "elicitation": {"llm": "agents.llm.policy:implied_elicitation"},
    "check": {"llm": "agents.llm.policy:check_mediator_option"},
    "belief": {s: "agents.beliefs:belief_problem" for s in (*STRATEGIES, "ledger")},   # kinds holding a belief
}
_LLM_RUNS = {            # the LLM layer's sweep hooks, resolved only when a sweep runs an LLM lineup
    "client": "agents.llm.factory:run_client",
    "save": "agents.llm.factory:save_run_cache",
    "layer": "agents.llm.factory",                  # the module: make_client, replay_client, estimate
    "chat_model": "agents.llm.models:make_chat_model",
    "settings": "agents.llm.models:LLMSettings",
    "check": "agents.llm.check",                    # the module: run_check, render (negsim llm-check)
}
_GAME_PLAYERS = {
    "scripted": "agents.game_players:make_player",
    "names": "agents.game_players:player_names",
    "rules": "agents.game_players:RULES",
    "llm": "agents.llm.game_player:make_game_player",
}


class UnknownAgent(NegsimError, KeyError):
    """A spec names no registered agent (or an unknown option of one)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def register_stakeholder(name: str, target: str) -> None:
    """Register a stakeholder factory ``"module:attribute"`` (called as f(group_id, option, **options))."""
    _STAKEHOLDERS[name] = target


def register_mediator(name: str, target: str) -> None:
    """Register a mediator factory ``"module:attribute"`` (called as f(name, option, **options))."""
    _MEDIATORS[name] = target


def entry_point(target: str) -> Any:
    """Resolve ``"module:attribute"`` to the object it names; a missing optional package is MissingExtra."""
    module, _, attr = target.partition(":")
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as err:
        if not err.name or err.name.partition(".")[0] in ("sim", "agents", "dashboards"):
            raise
        raise MissingExtra(f"'{module}'", err.name) from None
    return getattr(loaded, attr)


@dataclass(frozen=True)
class AgentSpec:
    """A parsed agent spec ``NAME`` or ``NAME:OPTION`` (``heuristic:conceder``, ``llm:deliberative:4``)."""

    name: str
    option: str | None = None

    @classmethod
    def parse(cls, spec: "str | AgentSpec | None") -> "AgentSpec":
        """The spec's kind and option (everything after the first colon); '' for None."""
        if isinstance(spec, AgentSpec):
            return spec
        name, _, option = str(spec or "").partition(":")
        return cls(name.strip(), option.strip() or None)

    def __str__(self) -> str:
        return self.name if self.option is None else f"{self.name}:{self.option}"


def _split(spec: "str | AgentSpec") -> tuple[str, str | None]:
    parsed = AgentSpec.parse(spec)
    return parsed.name, parsed.option


def _lookup(table: dict[str, str], name: str, kind: str) -> Any:
    if name not in table:
        raise UnknownAgent(f"unknown {kind} '{name}'; known: {', '.join(sorted(table))}")
    return entry_point(table[name])


def make_stakeholder(spec: str, group_id: str, **options: Any) -> Stakeholder:
    """Build the stakeholder agent named by `spec` for one group."""
    name, option = _split(spec)
    return _lookup(_STAKEHOLDERS, name, "stakeholder agent")(group_id, option, **options)


def make_mediator(spec: str, **options: Any) -> Mediator:
    """Build the mediator named by `spec` (a strategy name, ``ledger:STRATEGY`` or ``llm``)."""
    name, option = _split(spec)
    return _lookup(_MEDIATORS, name, "mediator")(name, option, **options)


def uses_llm(spec: str | None) -> bool:
    """Whether an agents or mediator spec puts an LLM agent in the run ('llm', 'llm:...', 'heuristic,g=llm')."""
    parts = [p.split("=", 1)[-1].strip() for p in str(spec or "").split(",")]
    return any(AgentSpec.parse(p).name == "llm" for p in parts)


def llm_run_hook(name: str) -> Any:
    """One entry of the LLM layer, resolved on use.

    `client` (spec, seed, cache_file, replay_file), `save` (client, cache_file), `layer` (the
    factory module), `chat_model` (spec), `settings` (the LLMSettings type) or `check` (the llm-check module).
    """
    target = _LLM_RUNS[name]
    return entry_point(target) if ":" in target else importlib.import_module(target)


def implied_elicitation(mediator: str | None) -> str | None:
    """The elicitation the named mediator asks for when the run sets none (its kind's policy, or None)."""
    target = _MEDIATOR_POLICIES["elicitation"].get(_split(mediator or "")[0])
    return entry_point(target)(mediator) if target else None


def check_mediator(spec: str) -> str:
    """Why `spec` names no mediator ('' when it does): the kind is registered and accepts the option."""
    name, option = _split(spec)
    if name not in _MEDIATORS:
        return f"unknown mediator '{spec}'; known: {', '.join(sorted(_MEDIATORS))}"
    target = _MEDIATOR_POLICIES["check"].get(name)
    return entry_point(target)(option) if target else ""


def check_belief(mediator: str, belief: str) -> str:
    """Why `belief` cannot be the named mediator's belief ('' when it can): a rule strategy and a known belief."""
    target = _MEDIATOR_POLICIES["belief"].get(_split(mediator)[0])
    if target is None:
        return (f"the {mediator} mediator holds no belief to choose; "
                f"fix: use a rule-based mediator ({', '.join(STRATEGIES)}) or drop --belief")
    return entry_point(target)(belief)


def stakeholder_names() -> list[str]:
    """Registered stakeholder kinds."""
    return sorted(_STAKEHOLDERS)


def mediator_names() -> list[str]:
    """Registered mediator kinds."""
    return sorted(_MEDIATORS)


def make_game_player(spec: str, **options: Any) -> Any:
    """A 2x2 repeated-game player: a scripted strategy, ``stakeholder:CURVE``, or ``llm[:predict]``."""
    if _split(spec)[0] == "llm":
        return entry_point(_GAME_PLAYERS["llm"])(spec, **options)
    return entry_point(_GAME_PLAYERS["scripted"])(spec)


def scripted_strategies() -> list[str]:
    """The scripted 2x2 strategies (a tournament's default entrants)."""
    return sorted(entry_point(_GAME_PLAYERS["rules"]))


def game_player_names() -> list[str]:
    """Every 2x2 player spec: scripted strategies, stakeholder adapters and the LLM players."""
    return entry_point(_GAME_PLAYERS["names"])() + ["llm", "llm:predict"]
