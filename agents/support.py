"""Predicted support without cheap talk: who will accept a draft, from what is binding and public.


believed disagreement utility d to its believed best utility: it accepts a draft whose believed
utility reaches d + q (ideal - d). The public concession model (the same for every group,
nothing private) is Faratin's Boulware curve q0(t) = 1 - ((t - 1) / (T - 1)) ** (1 / BETA),
shifted per group by delta: q(t) = q0(t) + delta. Each binding decision bounds delta, read on
the current belief: an accepted draft of share a at round t says delta <= a - q0(t); an objection
to a draft that kept the group's stated red lines says delta > b - q0(t). The estimate is the
prior 0 moved just inside those bounds (the most recent decisions win when they conflict).

Stated reservations never enter the prediction: a reservation is cheap talk, so it is only
evidence for the belief, weighted by `credibility` (its consistency with the group's decisions).
A silent group is predicted by the same model as a speaking one: silence is no information.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BETA = 0.4          # public concession shape: Boulware (Faratin et al. 1998), the usual hold-out curve
MARGIN = 0.02       # an objection at share b means the group needs a little more than b
SCALE = 0.1         # credibility halves for every SCALE of share a reservation lies outside the bounds


@dataclass
class SupportModel:
    """Decisions heard so far (per round: the draft and who accepted) and the public concession model."""

    n_groups: int
    max_rounds: int
    rounds: list[int] = field(default_factory=list)
    packages: list[np.ndarray] = field(default_factory=list)
    accepted: list[np.ndarray] = field(default_factory=list)     # (G,) bool per recorded round
    heard: list[np.ndarray] = field(default_factory=list)        # (G,) bool: the group decided that round

    def concession(self, t: float) -> float:
        """The public share of its range a group is assumed to need at round t (1 at round 1, 0 at the last)."""
        s = min(1.0, max(0.0, (t - 1) / max(1, self.max_rounds - 1)))
        return 1.0 - s ** (1.0 / BETA)

    def record(self, round_: int, package: np.ndarray, accepts: dict[int, bool]) -> None:
        """The decisions of one round on one draft (group index -> accepted)."""
        acc, heard = np.zeros(self.n_groups, dtype=bool), np.zeros(self.n_groups, dtype=bool)
        for g, a in accepts.items():
            acc[g], heard[g] = bool(a), True
        self.rounds.append(round_)
        self.packages.append(np.array(package, dtype=np.int8))
        self.accepted.append(acc)
        self.heard.append(heard)

    def bounds(self, share, lines_kept) -> tuple[np.ndarray, np.ndarray]:
        """(G,) lower and upper bounds on each group's shift, read through `share(packages) -> (n, G)`.

        `lines_kept(packages) -> (n, G)`: an objection to a draft that broke a stated red line says
        nothing about the group's level. Decisions are read in order, so a later decision overrides
        a bound it conflicts with.
        """
        low, high = np.full(self.n_groups, -np.inf), np.full(self.n_groups, np.inf)
        if not self.rounds:
            return low, high
        X = np.array(self.packages)
        S, K = share(X), lines_kept(X)
        for i, t in enumerate(self.rounds):
            q0 = self.concession(t)
            if q0 >= 1.0 - 1e-9:
                continue                      # at full demand a decision says nothing about the floor
            bound = (S[i] - q0) / (1.0 - q0)
            acc, obj = self.accepted[i] & self.heard[i], ~self.accepted[i] & self.heard[i] & K[i]
            high = np.where(acc, bound, high)
            low = np.where(acc, np.minimum(low, bound), low)
            low = np.where(obj, bound + MARGIN, low)
            high = np.where(obj, np.maximum(high, bound + MARGIN), high)
        return low, high

    def shifts(self, share, lines_kept) -> np.ndarray:
        """(G,) estimated shift per group: the prior 0 moved just inside the decisions' bounds."""
        low, high = self.bounds(share, lines_kept)
        return np.minimum(np.maximum(0.0, low), high)

    def needs(self, round_: int, floor: np.ndarray) -> np.ndarray:
        """(G,) required share of the range at `round_`, per group: from the best (1) down to its floor."""
        q0 = self.concession(round_)
        return np.clip(floor + q0 * (1.0 - floor), 0.0, 1.0)


def shares(U: np.ndarray, d: np.ndarray, ideal: np.ndarray) -> np.ndarray:
    """(n, G) where utilities U sit between the disagreement utility (0) and the best one (1)."""
    return (U - d) / np.maximum(ideal - d, 1e-9)


def credibility(stated_share: float, shift_low: float, shift_high: float, concession: float) -> float:
    """How far a stated reservation (as a share at a round of public concession `concession`) agrees with the decisions.

    1 inside the bounds the decisions put on the shift, halving every SCALE outside them.
    """
    implied = stated_share - concession
    gap = max(0.0, shift_low - implied, implied - shift_high)
    return float(0.5 ** (gap / SCALE))
