"""Players of 2x2 repeated games: scripted strategies and a rule-based stakeholder adapter.

Moves are option indices: 0 is the first option (C in a Prisoner's Dilemma), 1 the second.
Scripted strategies follow the axelrod library's definitions (the tests check equal
scores). Names are snake_case; `random:P` cooperates with probability P.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from agents.heuristic import CURVES as STAKEHOLDER_CURVES
from sim.games.matches import GameView

CURVES = {k: v for k, v in STAKEHOLDER_CURVES.items() if k != "tit_for_tat"}   # time-dependent curves only

Rule = Callable[[Sequence[int], Sequence[int], "ScriptedPlayer"], int]
C, D = 0, 1


def _always_cooperate(own, other, p) -> int:
    return C


def _always_defect(own, other, p) -> int:
    return D


def _tit_for_tat(own, other, p) -> int:
    return other[-1] if other else C


def _suspicious_tit_for_tat(own, other, p) -> int:
    return other[-1] if other else D


def _tit_for_two_tats(own, other, p) -> int:
    return D if len(other) > 1 and other[-1] == D and other[-2] == D else C


def _grim_trigger(own, other, p) -> int:
    return D if D in other else C


def _alternate(own, other, p) -> int:
    return C if not own else 1 - own[-1]


def _win_stay_lose_shift(own, other, p) -> int:
    """Pavlov: keep the last move after a 'win' (payoff above the mean of one's four payoffs)."""
    if not own:
        return C
    won = p.payoff[own[-1]][other[-1]] > p.aspiration
    return own[-1] if won else 1 - own[-1]


def _random(own, other, p) -> int:
    return C if p.rng.random() < p.p_cooperate else D


RULES: dict[str, Rule] = {
    "always_cooperate": _always_cooperate, "always_defect": _always_defect,
    "tit_for_tat": _tit_for_tat, "suspicious_tit_for_tat": _suspicious_tit_for_tat,
    "tit_for_two_tats": _tit_for_two_tats, "grim_trigger": _grim_trigger,
    "alternate": _alternate, "win_stay_lose_shift": _win_stay_lose_shift, "random": _random,
}


@dataclass
class ScriptedPlayer:
    """A scripted strategy from RULES; `p_cooperate` is used by `random` only."""

    name: str
    p_cooperate: float = 0.5

    def __post_init__(self) -> None:
        if self.name not in RULES:
            raise KeyError(f"unknown strategy '{self.name}'")
        if not 0.0 <= self.p_cooperate <= 1.0:
            raise ValueError("p_cooperate must be in [0, 1]")

    def reset(self, view: GameView, rng: np.random.Generator) -> None:
        """Take the game view and generator; cache own payoffs, the aspiration (their mean) and the rule."""
        self.view, self.rng = view, rng
        self.payoff, self.aspiration = view.own.tolist(), float(view.own.mean())
        self.rule = RULES[self.name]

    def act(self, own: Sequence[int], other: Sequence[int]) -> int:
        """The rule's move given both histories of realised moves."""
        return self.rule(own, other, self)


@dataclass
class StakeholderPlayer:
    """A rule-based stakeholder in a 2x2 game: the other's last move is the draft on the table.

    Accepting means matching it (reciprocate in a PD, coordinate in Battle of the Sexes),
    worth own[m, m]; holding out means playing the option of one's best cell. It accepts
    when that payoff clears a reservation conceding over the rounds from the best payoff
    to the security level, with the Boulware / linear / conceder curves of
    agents.heuristic (Faratin et al. 1998). Round one treats option 0 as the draft.
    """

    curve: str = "boulware"
    jitter: float = 0.15

    def __post_init__(self) -> None:
        if self.curve not in CURVES:
            raise KeyError(f"unknown concession curve '{self.curve}'; known: {', '.join(sorted(CURVES))}")
        self.name = f"stakeholder:{self.curve}"

    def reset(self, view: GameView, rng: np.random.Generator) -> None:
        """Draw this match's concession speed and fix the best payoff, hold-out option and security level."""
        self.view = view
        self.beta = CURVES[self.curve] * float(np.exp(rng.normal(0.0, self.jitter)))
        own = view.own
        self.ideal = float(own.max())
        self.hold_out = int(np.unravel_index(np.argmax(own), own.shape)[0])
        self.floor = float(own.min(axis=1).max())     # security (maximin) level

    def reservation(self, t: int) -> float:
        """Payoff needed to accept in round t (1-based) of the announced horizon."""
        frac = min(1.0, max(0.0, (t - 1) / max(1, self.view.rounds - 1)))
        return self.ideal - frac ** (1.0 / self.beta) * (self.ideal - self.floor)

    def act(self, own: Sequence[int], other: Sequence[int]) -> int:
        """Match the other's last move (the draft) when that pays this round's reservation, else hold out."""
        draft = other[-1] if other else C
        if self.view.own[draft, draft] >= self.reservation(len(own) + 1) - 1e-9:
            return int(draft)
        return self.hold_out


def player_names() -> list[str]:
    """Scripted strategy names and the stakeholder adapter (`stakeholder:CURVE`)."""
    return sorted(RULES) + [f"stakeholder:{c}" for c in CURVES]


def make_player(spec: str) -> ScriptedPlayer | StakeholderPlayer:
    """`tit_for_tat`, `random:0.3`, `stakeholder:conceder`, ..."""
    name, _, option = spec.partition(":")
    if name == "stakeholder":
        return StakeholderPlayer(option or "boulware")
    if name == "random" and option:
        try:
            return ScriptedPlayer("random", float(option))
        except ValueError:
            raise ValueError(f"random:P needs a probability, got {option!r}") from None
    if option:
        raise KeyError(f"strategy '{name}' takes no option (got '{option}')")
    return ScriptedPlayer(name)
