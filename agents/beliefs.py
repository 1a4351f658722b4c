"""A mediator's beliefs about each group's weights, learned only from what the group says.

Per group, a weighted sample of weight vectors (particles) drawn from a Dirichlet prior (the
scenario's public `prior`, else uniform on the simplex). Stated priorities move the prior
itself (Dirichlet parameters + TRUST x stated weights) and the particles are redrawn; every
revealed comparison reweights them by its likelihood, a logistic in the utility difference:

- an objection's amendment: the group prefers the draft with the change to the draft;
- a stated reservation r: the draft is worth at least r (accept) or less than r (object);
- a ranking of candidate drafts: each ranked above the next;
- a stated ideal package: preferred to every base design.

Believed utilities are those of the posterior mean weights on the public effects (a group's
private `group_effects` cannot be learned this way; the belief error reports what is left).
When the effective sample size falls below REJUVENATE x particles, particles are resampled,
jittered around themselves and reweighted by every comparison so far.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.views import PublicContext


@dataclass(frozen=True)
class BeliefSettings:
    """Sample size, trust in stated priorities, comparison noise and resampling."""

    particles: int = 64
    trust: float = 30.0           # Dirichlet concentration a statement of priorities adds
    tau: float = 0.1              # logistic noise of a comparison, in utility units
    rejuvenate: float = 0.1       # resample when ESS < this share of the particles
    jitter: float = 200.0         # concentration of the Dirichlet jitter around a resampled particle


class Beliefs:
    """Particles (G, N, C) over each group's normalised weights, with log-weights (G, N)."""

    def __init__(self, public: PublicContext, rng: np.random.Generator,
                 settings: BeliefSettings = BeliefSettings()) -> None:
        self.E = np.asarray(public.rubric.effects, dtype=float)        # (K, C)
        self.rng, self.s = rng, settings
        self.alpha = np.array(public.prior_alpha, dtype=float)         # (G, C)
        G, C = self.alpha.shape
        self.rows: list[list[np.ndarray]] = [[] for _ in range(G)]      # comparisons a . w > b
        self.bounds: list[list[float]] = [[] for _ in range(G)]
        self.W = np.empty((G, settings.particles, C))
        self.logw = np.zeros((G, settings.particles))
        for g in range(G):
            self.W[g] = self._dirichlet(np.broadcast_to(self.alpha[g], (settings.particles, C)))

    def _dirichlet(self, alpha: np.ndarray) -> np.ndarray:
        """Rows drawn from Dirichlet(alpha row), vectorised through gamma draws."""
        x = self.rng.gamma(np.maximum(alpha, 1e-6))
        total = x.sum(axis=1, keepdims=True)
        return np.where(total > 0, x / np.where(total > 0, total, 1.0), 1.0 / x.shape[1])

    # -- statements --------------------------------------------------------------------
    def stated_priorities(self, g: int, p: np.ndarray) -> None:
        """A group stated its priorities: move its prior towards them and redraw its particles."""
        self.stated_many({g: p})

    def stated_many(self, stated: dict[int, np.ndarray]) -> None:
        """Several groups stated priorities: move each prior towards them, redraw those particles at once."""
        gs = []
        for g, p in stated.items():
            p = np.clip(np.asarray(p, dtype=float), 0.0, None)
            if p.sum() > 0:
                self.alpha[g] = self.alpha[g] + self.s.trust * p / p.sum()
                gs.append(g)
        if not gs:
            return
        N, C = self.W.shape[1:]
        draws = self._dirichlet(np.repeat(self.alpha[gs], N, axis=0)).reshape(len(gs), N, C)
        for i, g in enumerate(gs):
            self.W[g], self.logw[g] = draws[i], self._loglik(g, draws[i])

    def prefers(self, g: int, better: np.ndarray, worse: np.ndarray) -> None:
        """Group g revealed that each row of `better` is worth more to it than the same row of `worse`."""
        self.add(g, *preference_rows(self.E, better, worse))

    def at_least(self, g: int, x: np.ndarray, level: float, below: bool = False) -> None:
        """Group g revealed u(x) >= level (or u(x) < level when `below`)."""
        self.add(g, *level_rows(self.E, x, level, below))

    def add(self, g: int, rows: np.ndarray, b: np.ndarray) -> None:
        """Comparisons rows . w > b revealed by group g (criterion-space rows, see preference_rows)."""
        self.add_many({g: (rows, b)})

    def add_many(self, revealed: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
        """Comparisons revealed by several groups at once (one vectorised reweighting, then resampling)."""
        kept = {}
        for g, (rows, b) in revealed.items():
            keep = np.abs(rows).sum(axis=1) > 0
            if keep.any():
                kept[g] = (rows[keep], b[keep])
                self.rows[g].extend(rows[keep])
                self.bounds[g].extend(b[keep].tolist())
        if not kept:
            return
        gs = list(kept)
        m = max(len(b) for _, b in kept.values())
        A = np.zeros((len(gs), m, self.E.shape[1]))
        B = np.zeros((len(gs), m))
        mask = np.zeros((len(gs), m), dtype=bool)
        for i, g in enumerate(gs):
            rows, b = kept[g]
            A[i, :len(b)], B[i, :len(b)], mask[i, :len(b)] = rows, b, True
        z = (np.einsum("gnc,gmc->gnm", self.W[gs], A) - B[:, None, :]) / self.s.tau
        self.logw[gs] += np.where(mask[:, None, :], _log_sigmoid(z), 0.0).sum(axis=2)
        z = np.exp(self.logw[gs] - self.logw[gs].max(axis=1, keepdims=True))
        ess = z.sum(axis=1) ** 2 / (z ** 2).sum(axis=1)
        for g in np.asarray(gs)[ess < self.s.rejuvenate * self.s.particles]:
            self._rejuvenate(int(g))

    def _loglik(self, g: int, W: np.ndarray) -> np.ndarray:
        if not self.rows[g]:
            return np.zeros(len(W))
        A, b = np.array(self.rows[g]), np.array(self.bounds[g])
        return _log_sigmoid((W @ A.T - b) / self.s.tau).sum(axis=1)

    def _rejuvenate(self, g: int) -> None:
        p = self.probabilities(g)
        idx = self.rng.choice(len(p), size=len(p), p=p)
        W = self._dirichlet(self.s.jitter * self.W[g][idx] + 1e-3)
        self.W[g], self.logw[g] = W, self._loglik(g, W)

    # -- reading -------------------------------------------------------------------------
    def probabilities(self, g: int) -> np.ndarray:
        """Normalised particle weights of group g."""
        z = self.logw[g] - self.logw[g].max()
        p = np.exp(z)
        return p / p.sum()

    def ess(self, g: int) -> float:
        """Effective sample size of group g's particles."""
        p = self.probabilities(g)
        return float(1.0 / (p ** 2).sum())

    def mean_weights(self) -> np.ndarray:
        """(G, C) posterior mean weights."""
        z = np.exp(self.logw - self.logw.max(axis=1, keepdims=True))
        p = z / z.sum(axis=1, keepdims=True)
        return np.einsum("gn,gnc->gc", p, self.W)

    def values(self) -> np.ndarray:
        """(G, K) believed item values: posterior mean weights on the public effects."""
        return self.mean_weights() @ self.E.T


def preference_rows(E: np.ndarray, better: np.ndarray, worse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Comparison rows (criterion space) and bounds for `better` preferred to `worse`, row by row."""
    diff = (np.atleast_2d(better).astype(float) - np.atleast_2d(worse)) @ E
    return diff, np.zeros(len(diff))


def level_rows(E: np.ndarray, x: np.ndarray, level: float, below: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Comparison row and bound for u(x) >= level (or < level when `below`)."""
    row = np.asarray(x, dtype=float) @ E
    return (-row if below else row)[None], np.array([-level if below else level])


def _log_sigmoid(z: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -z)
