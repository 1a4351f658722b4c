"""The Schulze method (beat-path) for aggregating the groups' rankings of candidate drafts.

Each ballot is a complete strict ranking (candidate indices, best first); ballots may carry
weights. d[a, b] is the weight of ballots ranking a above b; the strength of the strongest path
from a to b over pairwise wins (links a->b with d[a, b] > d[b, a], of strength d[a, b]) is found
by Floyd-Warshall. a is a Schulze winner when p[a, b] >= p[b, a] for every b. For complete
strict ballots the winning-votes and margin variants agree (d[a, b] + d[b, a] is the total
weight), so the result matches pref_voting's `beat_path`, used as a test-time oracle only
(importing it costs seconds: it pulls numba, ortools and matplotlib).

Ties between Schulze winners are broken explicitly: the lowest candidate index wins (the
incumbent draft is candidate 0), and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SchulzeResult:
    """The winner, every Schulze winner, the pairwise and path-strength matrices, and how ties were broken."""

    winner: int
    winners: tuple[int, ...]
    pairwise: np.ndarray
    strengths: np.ndarray
    ballots: int

    @property
    def details(self) -> dict:
        """A JSON-ready trace of the decision."""
        tie = f"; tie among {list(self.winners)} broken by the lowest index" if len(self.winners) > 1 else ""
        return {"winner": self.winner, "winners": list(self.winners), "ballots": self.ballots,
                "pairwise": self.pairwise.tolist(), "strengths": self.strengths.tolist(),
                "why": f"Schulze winner over {self.ballots} ballots{tie}"}


def pairwise(ballots: list[tuple[int, ...]], n: int, weights: list[float] | None = None) -> np.ndarray:
    """(n, n) d[a, b]: the weight of ballots ranking a above b."""
    d = np.zeros((n, n))
    for ballot, w in zip(ballots, weights or [1.0] * len(ballots)):
        pos = np.empty(n)
        pos[list(ballot)] = np.arange(n)
        d += w * (pos[:, None] < pos[None, :])
    return d


def schulze(ballots: list[tuple[int, ...]], n: int, weights: list[float] | None = None) -> SchulzeResult:
    """Aggregate complete strict rankings of n candidates by the Schulze method (ValueError on a bad ballot)."""
    for ballot in ballots:
        if sorted(ballot) != list(range(n)):
            raise ValueError(f"ballot {list(ballot)} is not a ranking of candidates 0..{n - 1}")
    d = pairwise(ballots, n, weights)
    p = np.where(d > d.T, d, 0.0)
    for k in range(n):
        p = np.maximum(p, np.minimum(p[:, [k]], p[[k], :]))
    np.fill_diagonal(p, 0.0)
    winners = tuple(int(a) for a in range(n) if np.all(p[a] >= p[:, a]))
    return SchulzeResult(winners[0], winners, d, p, len(ballots))


def condorcet_winner(d: np.ndarray) -> int | None:
    """The candidate that beats every other pairwise (d[c, b] > d[b, c]), if there is one."""
    n = len(d)
    for c in range(n):
        if all(d[c, b] > d[b, c] for b in range(n) if b != c):
            return c
    return None
