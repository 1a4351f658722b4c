"""Predicted support without cheap talk: who will accept a draft, from what is binding and public.

Shares: a package's believed utility for a group on the scale from its believed disagreement
utility (0) to its believed best utility (1). The public concession model, the same for every
group and using nothing private, is Faratin's time-dependent curve with an unknown floor f per
group: at round t of T the group accepts a draft of share at least f + q0(t) (1 - f), with
q0(t) = 1 - ((t - 1) / (T - 1)) ** (1 / BETA) (Boulware: it holds out, then concedes to its floor).
Each binding decision bounds f, read on the current belief: accepting a draft of share a at round t
says f <= (a - q0) / (1 - q0); objecting to a draft of share b that kept the group's stated red
lines says f > (b - q0) / (1 - q0) (nothing at round 1, where q0 = 1). The estimate is the prior 0
moved just inside those bounds; a later decision overrides an earlier bound it conflicts with.
Each decision is read as the weakest statement the belief allows: an objection's share b on the
scale up to the highest plausible best utility (`share_low`: the believed best plus one sd of the
belief's private item effects), so a group whose best the mediator does not know (a silent one, whose
best is the max of its prior means) gets no high floor from its objections (no free vote); an
accept's share a on the believed scale (docs/private-information.md, eighth follow-up).

Stated reservations never enter the prediction: a reservation is cheap talk, so it is only
evidence for the belief, weighted by `credibility` (its agreement with the group's decisions).
A silent group is predicted by the same model as a speaking one: silence is no information.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BETA = 0.4          # public concession shape: Boulware (Faratin et al. 1998), the usual hold-out curve
MARGIN = 0.02       # an objection means the group needs a little more than the share it objected to
SCALE = 0.1         # credibility halves for every SCALE of floor share a reservation lies outside the bounds


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

    def ordered_pairs(self, lines_kept) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Per group, (better, worse) packages proven by the last round's objections under the concession model.

        Demand never rises over the rounds, so a group that accepted draft a at round s and objects to
        draft b at round t >= s values a above b (an objection to a draft breaking its stated red lines
        says nothing about value: skipped). `lines_kept(packages) -> (n, G)`.
        """
        if not self.rounds:
            return {}
        X, last = np.array(self.packages), len(self.rounds) - 1
        kept = lines_kept(X[last:])[0]
        objecting = np.flatnonzero(self.heard[last] & ~self.accepted[last] & kept)
        if not len(objecting) or not last:
            return {}
        accepted = np.array(self.heard[:last]) & np.array(self.accepted[:last])     # (rounds before, G)
        out = {}
        for g in objecting:
            better = distinct_rows(X[:last][accepted[:, g]])
            better = better[(better != X[last]).any(axis=1)]
            if len(better):
                out[int(g)] = (better, np.repeat(X[last:], len(better), axis=0))
        return out

    def accepted_last(self) -> dict[int, float]:
        """Per group that accepted the last recorded draft, the public concession q0 of that round.

        Under the concession model an accept at round t proves u(a) - d >= q0 (ideal - d) (the floor
        share is at least 0), and the ideal is at least any package's utility: for every package p,
        u(a) >= q0 u(p) + (1 - q0) d, a linear statement on the group's values (agents.listening.accept_rows).
        Silent groups decide too, so their accepts count as much as a speaking group's: silence hides
        no decision. Nothing at the first round (q0 = 1), where an accept says the draft is the group's
        best only if its concession speed is exactly the public one.
        """
        if not self.rounds:
            return {}
        q0 = self.concession(self.rounds[-1])
        if q0 >= 1.0 - 1e-9:
            return {}                 # at full demand, as in `bounds`: the concession speed is not known yet
        return {int(g): q0 for g in np.flatnonzero(self.heard[-1] & self.accepted[-1])}

    def bounds(self, share, lines_kept, share_low=None) -> tuple[np.ndarray, np.ndarray]:
        """(G,) lower and upper bounds on each group's floor share, read through `share(packages) -> (n, G)`.

        `lines_kept(packages) -> (n, G)`: an objection to a draft that broke a stated red line says
        nothing about the group's level. `share_low(packages) -> (n, G)`: the shares objections are
        read on (default `share`; see the module docstring). Decisions are read in order, so a later
        decision overrides a bound it conflicts with.
        """
        G = self.n_groups
        if not self.rounds:
            return np.full(G, -np.inf), np.full(G, np.inf)
        X = np.array(self.packages)
        S, K = share(X).tolist(), lines_kept(X).tolist()
        L = S if share_low is None else share_low(X).tolist()
        acc, heard = np.array(self.accepted).tolist(), np.array(self.heard).tolist()
        low, high = [-np.inf] * G, [np.inf] * G        # a few groups and rounds: plain floats, read in order
        for i, t in enumerate(self.rounds):
            q0 = self.concession(t)
            if q0 >= 1.0 - 1e-9:
                continue                      # at full demand a decision says nothing about the floor
            for g in range(G):
                if not heard[i][g]:
                    continue
                bound = (S[i][g] - q0) / (1.0 - q0)
                if acc[i][g]:
                    high[g], low[g] = bound, min(low[g], bound)
                elif K[i][g]:
                    bound = (L[i][g] - q0) / (1.0 - q0)
                    low[g], high[g] = bound + MARGIN, max(high[g], bound + MARGIN)
        return np.array(low), np.array(high)

    def floors(self, share, lines_kept, share_low=None) -> np.ndarray:
        """(G,) estimated floor share per group: the prior 0 moved just inside the decisions' bounds."""
        low, high = self.bounds(share, lines_kept, share_low)
        return np.minimum(np.maximum(0.0, low), high)

    def needs(self, round_: int, floor: np.ndarray) -> np.ndarray:
        """(G,) required share of the range at `round_`, per group: from the best (1) down to its floor."""
        q0 = self.concession(round_)
        return np.clip(floor + q0 * (1.0 - floor), 0.0, 1.0)


def distinct_rows(X: np.ndarray) -> np.ndarray:
    """The distinct rows of a 0/1 package matrix in lexicographic order (as np.unique(X, axis=0), without its cost)."""
    if len(X) < 2:
        return X
    rows = {x.tobytes(): x for x in X}
    return np.array([rows[k] for k in sorted(rows)], dtype=X.dtype)


def shares(U: np.ndarray, d: np.ndarray, ideal: np.ndarray) -> np.ndarray:
    """(n, G) where utilities U sit between the disagreement utility (0) and the best one (1)."""
    return (U - d) / np.maximum(ideal - d, 1e-9)


def credibility(stated_share: float, low: float, high: float, concession: float) -> float:
    """How far a stated reservation agrees with the group's decisions, in [0, 1].

    The reservation, a share stated at a round of public concession q0, implies the floor
    (share - q0) / (1 - q0); credibility is 1 when that lies within the bounds [low, high] the
    decisions put on the floor, and halves for every SCALE it lies outside (1 when q0 = 1: nothing implied).
    """
    if concession >= 1.0 - 1e-9:
        return 1.0
    implied = (stated_share - concession) / (1.0 - concession)
    gap = max(0.0, low - implied, implied - high)
    return float(0.5 ** (gap / SCALE))
