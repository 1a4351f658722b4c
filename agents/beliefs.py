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

    particles: int = 256
    trust: float = 30.0           # Dirichlet concentration a statement of priorities adds
    tau: float = 0.1              # logistic noise of a comparison, in utility units
    rejuvenate: float = 0.2       # resample when ESS < this share of the particles
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
        p = np.clip(np.asarray(p, dtype=float), 0.0, None)
        if p.sum() <= 0:
            return
        self.alpha[g] = self.alpha[g] + self.s.trust * p / p.sum()
        self.W[g] = self._dirichlet(np.broadcast_to(self.alpha[g], self.W[g].shape))
        self.logw[g] = self._loglik(g, self.W[g])

    def prefers(self, g: int, better: np.ndarray, worse: np.ndarray) -> None:
        """Group g revealed that each row of `better` is worth more to it than the same row of `worse`."""
        diff = (np.atleast_2d(better).astype(float) - np.atleast_2d(worse)) @ self.E
        self._add(g, diff, np.zeros(len(diff)))

    def at_least(self, g: int, x: np.ndarray, level: float, below: bool = False) -> None:
        """Group g revealed u(x) >= level (or u(x) < level when `below`)."""
        row = np.asarray(x, dtype=float) @ self.E
        self._add(g, (-row if below else row)[None], np.array([-level if below else level]))

    def _add(self, g: int, rows: np.ndarray, b: np.ndarray) -> None:
        keep = np.abs(rows).sum(axis=1) > 0
        if not keep.any():
            return
        rows, b = rows[keep], b[keep]
        self.rows[g].extend(rows)
        self.bounds[g].extend(b.tolist())
        self.logw[g] += _log_sigmoid((self.W[g] @ rows.T - b) / self.s.tau).sum(axis=1)
        if self.ess(g) < self.s.rejuvenate * self.s.particles:
            self._rejuvenate(g)

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
        return np.array([self.probabilities(g) @ self.W[g] for g in range(len(self.W))])

    def values(self) -> np.ndarray:
        """(G, K) believed item values: posterior mean weights on the public effects."""
        return self.mean_weights() @ self.E.T


def _log_sigmoid(z: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -z)
