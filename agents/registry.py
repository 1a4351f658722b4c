"""Agents by name: the only way the engine's runner and CLI find behaviour.

Specs are `NAME` or `NAME:OPTION` (e.g. `heuristic:conceder`). Factories for names
served by optional packages (e.g. `llm`) are registered when their module is imported
lazily on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from agents.base import Mediator, Stakeholder
from agents.heuristic import CURVES, HeuristicStakeholder
from agents.mediators import STRATEGIES, RuleMediator

StakeholderFactory = Callable[..., Stakeholder]
MediatorFactory = Callable[..., Mediator]

_STAKEHOLDERS: dict[str, StakeholderFactory] = {}
_MEDIATORS: dict[str, MediatorFactory] = {}
# name -> module whose import registers it (kept lazy: heavy optional dependencies)
_LAZY = {"llm": "agents.llm.registry"}


def register_stakeholder(name: str, factory: StakeholderFactory) -> None:
    _STAKEHOLDERS[name] = factory


def register_mediator(name: str, factory: MediatorFactory) -> None:
    _MEDIATORS[name] = factory


def _split(spec: str) -> tuple[str, str | None]:
    name, _, option = spec.partition(":")
    return name.strip(), (option.strip() or None)


def _lookup(table: dict, name: str, kind: str):
    if name not in table and name in _LAZY:
        importlib.import_module(_LAZY[name])
    if name not in table:
        raise KeyError(f"unknown {kind} '{name}'; known: {', '.join(sorted(set(table) | set(_LAZY)))}")
    return table[name]


def make_stakeholder(spec: str, group_id: str, **options: Any) -> Stakeholder:
    """Build the stakeholder agent named by `spec` for one group."""
    name, option = _split(spec)
    return _lookup(_STAKEHOLDERS, name, "stakeholder agent")(group_id, option, **options)


def make_mediator(spec: str, **options: Any) -> Mediator:
    """Build the mediator named by `spec` (a strategy name or e.g. `llm`)."""
    name, option = _split(spec)
    return _lookup(_MEDIATORS, name, "mediator")(option, **options)


def stakeholder_names() -> list[str]:
    return sorted(set(_STAKEHOLDERS) | set(_LAZY))


def mediator_names() -> list[str]:
    return sorted(set(_MEDIATORS) | set(_LAZY))


def _heuristic(group_id: str, option: str | None, **options: Any) -> Stakeholder:
    options.pop("llm", None)   # the shared LLM client of mixed lineups is not for rule agents
    curve = option or options.pop("curve", "boulware")
    if curve not in CURVES:
        raise KeyError(f"unknown concession curve '{curve}'; known: {', '.join(sorted(CURVES))}")
    return HeuristicStakeholder(group_id, curve=curve, **options)


def _memory(group_id: str, option: str | None, **options: Any) -> Stakeholder:
    from agents.memory import MemoryStakeholder

    return MemoryStakeholder(group_id, curve=option or options.pop("curve", "boulware"), **options)


def _ledger(option: str | None, **options: Any) -> Mediator:
    from agents.memory import LedgerMediator

    return LedgerMediator(option or "maximin", **options)


register_stakeholder("heuristic", _heuristic)
register_stakeholder("memory", _memory)         # heuristic with memory across budget cycles
register_mediator("ledger", _ledger)            # ledger:STRATEGY, strategy on cumulative utilities
for _strategy in STRATEGIES:
    register_mediator(_strategy, lambda option, _s=_strategy, **kw: RuleMediator(_s, **kw))


def make_game_player(spec: str, **options: Any):
    """A 2x2 repeated-game player: a scripted strategy, `stakeholder:CURVE`, or `llm[:predict]`."""
    if _split(spec)[0] == "llm":
        return importlib.import_module("agents.llm.game_player").make_game_player(spec, **options)
    return importlib.import_module("agents.games").make_player(spec)


def game_player_names() -> list[str]:
    return importlib.import_module("agents.games").player_names() + ["llm", "llm:predict"]
