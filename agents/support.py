"""Predicted support without cheap talk: who will accept a draft, from what is binding and public.

A group's requirement at round t is modelled as a share q of its believed range, from its
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


@dataclass(frozen=True)
class Decision:
    """One binding decision: at `round`, group `g` accepted or objected to `package`."""

    round: int
    g: int
    package: np.ndarray
    accept: bool


@dataclass
class SupportModel:
    """Decisions heard so far and the public concession model over `max_rounds` rounds."""

    n_groups: int
    max_rounds: int
    decisions: list[Decision] = field(default_factory=list)

    def concession(self, t: float) -> float:
        """The public share of its range a group is assumed to need at round t (1 at round 1, 0 at the last)."""
        s = min(1.0, max(0.0, (t - 1) / max(1, self.max_rounds - 1)))
        return 1.0 - s ** (1.0 / BETA)

    def record(self, round_: int, package: np.ndarray, accepts: dict[int, bool]) -> None:
        """The decisions of one round on one draft."""
        x = np.array(package, dtype=np.int8)
        self.decisions += [Decision(round_, g, x, bool(a)) for g, a in sorted(accepts.items())]

    def bounds(self, share, lines_kept) -> tuple[np.ndarray, np.ndarray]:
        """(G,) lower and upper bounds on each group's shift, read through `share(packages) -> (n, G)`.

        `lines_kept(packages) -> (n, G)`: an objection to a draft that broke a stated red line says
        nothing about the group's level. Decisions are read in order, so a later decision overrides
        a bound it conflicts with.
        """
        low, high = np.full(self.n_groups, -np.inf), np.full(self.n_groups, np.inf)
        if not self.decisions:
            return low, high
        X = np.array([d.package for d in self.decisions])
        S, K = share(X), lines_kept(X)
        for i, d in enumerate(self.decisions):
            bound = S[i, d.g] - self.concession(d.round)
            if d.accept:
                high[d.g] = bound
                low[d.g] = min(low[d.g], bound)
            elif K[i, d.g]:
                low[d.g] = bound + MARGIN
                high[d.g] = max(high[d.g], bound + MARGIN)
        return low, high

    def shifts(self, share, lines_kept) -> np.ndarray:
        """(G,) estimated shift per group: the prior 0 moved just inside the decisions' bounds."""
        low, high = self.bounds(share, lines_kept)
        return np.minimum(np.maximum(0.0, low), high)

    def needs(self, round_: int, shift: np.ndarray) -> np.ndarray:
        """(G,) required share of the range at `round_`, per group."""
        return np.clip(self.concession(round_) + shift, 0.0, 1.0)


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
