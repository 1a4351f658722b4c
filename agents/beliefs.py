"""A mediator's beliefs about each group's values, learned only from what the group says.

Weights: per group, a weighted sample of weight vectors (particles) drawn from a Dirichlet
prior (the scenario's public `prior`, else uniform on the simplex). Stated priorities move the
prior itself (Dirichlet parameters + TRUST x stated weights) and the particles are redrawn;
every revealed comparison reweights them by its likelihood, a logistic in the utility difference:

- an objection's amendment: the group prefers the draft with the change to the draft;
- a stated reservation r: the draft is worth at least r (accept) or less than r (object);
- a ranking of candidate drafts: each ranked above the next;
- a stated ideal package: preferred to every base design.

Private effects (opt-in, `BeliefSettings.private_effects`): a group's value of item k is
E_k . w_g + d_gk. Per group d is Gaussian N(mu_g, S_g), 0 with no variance until the group
singles item k out in a statement (its never-list or must-haves, an amendment asking to drop or
add it); from then on d_gk has prior sd s_g, the root mean square of the group's public item
values under its prior mean weights (a private effect is a priori as large as a typical public
one). A silent group singles nothing out, so its private effects stay 0. Each comparison (linear
in (w, d)) then reweights the particles with d integrated out (MacKay's probit approximation)
and updates N(mu, S) by assumed-density filtering (the probit moment match, as in TrueSkill),
sharing the surprise with the weights in proportion to their variance before it. Believed item
values are E . (mean weights) + mu; stated reservations, on the group's true scale, then bound
the same utilities the group decides on. Off, the belief is exactly weights only.

The default mediator's belief is DEFAULT_BELIEF, the item-value belief with binding decisions
and the stated ideal as evidence; `weights` (the weights-only belief) stays selectable by name.
When the effective sample size falls below REJUVENATE x particles, the weight particles are
resampled, jittered around themselves and reweighted by every comparison so far.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.ep import settle
from agents.scale import GRID, mixture
from sim.core.views import PublicContext

PROBIT = float(np.sqrt(np.pi / 8.0))   # logistic(x) ~ Phi(PROBIT * x)


@dataclass(frozen=True)
class BeliefSettings:
    """Sample size, trust in stated priorities, comparison noise and resampling."""

    particles: int = 64
    trust: float = 30.0           # Dirichlet concentration a statement of priorities adds
    tau: float = 0.1              # logistic noise of a comparison, in utility units
    rejuvenate: float = 0.1       # resample when ESS < this share of the particles
    jitter: float = 200.0         # concentration of the Dirichlet jitter around a resampled particle
    private_effects: bool = False  # also learn private item effects for the items a group names (opt-in)
    item_values: bool = False      # a private effect on every item from the start (the item-value belief)
    decisions: bool = False        # an objection after an accept is a comparison (agents.support.ordered_pairs)
    ideal: bool = False            # the stated ideal package is worth at least each new stated reservation
    ep: bool = False               # expectation propagation over every comparison (agents.ep), not one filtering pass
    scale: bool = False            # learn each group's private-effect scale from its statements (agents.scale)


BELIEFS = ("weights", "private_effects", "item_values")
FLAGS = ("decisions", "ideal", "ep", "scale")
DEFAULT_BELIEF = "item_values+decisions+ideal"   # the rule mediators' belief under private information


def belief_settings(name: str) -> BeliefSettings:
    """The belief called `name`: weights, private_effects (named items) or item_values, with optional flags.

    `+decisions`: binding objections after accepts are comparisons too, e.g. item_values+decisions;
    `+ideal`: a stated reservation bounds the stated ideal package from below (agents.listening.ideal_rows);
    `+ep`: the private effects' Gaussian by expectation propagation (`agents.ep`) instead of one filtering pass;
    `+scale`: each group's private-effect scale learned from its statements (`agents.scale`; filter only, not with +ep).
    """
    kind, *flags = str(name).split("+")
    if kind not in BELIEFS or any(f not in FLAGS for f in flags) or {"ep", "scale"} <= set(flags):
        raise ValueError(f"unknown belief {name!r}; use one of {', '.join(BELIEFS)}, optionally +decisions, +ideal, "
                         "and one of +ep, +scale")
    return BeliefSettings(private_effects=kind == "private_effects", item_values=kind == "item_values",
                          decisions="decisions" in flags, ideal="ideal" in flags, ep="ep" in flags,
                          scale="scale" in flags)


def belief_problem(name: str) -> str:
    """Why `name` names no belief ('' when it does): the registry's check for `negsim run --belief`."""
    try:
        belief_settings(name)
    except ValueError:
        return (f"unknown belief '{name}'; fix: use {DEFAULT_BELIEF} (the default), weights, private_effects "
                "or item_values, optionally +decisions, +ideal and one of +ep, +scale")
    return ""


class Beliefs:
    """Particles (G, N, C) over each group's normalised weights with log-weights (G, N); Gaussian (G, K) private effects."""

    def __init__(self, public: PublicContext, rng: np.random.Generator,
                 settings: BeliefSettings = BeliefSettings()) -> None:
        public_effects = np.asarray(public.rubric.effects, dtype=float)  # (K, C)
        K = len(public_effects)
        P = K if settings.private_effects or settings.item_values else 0   # private-effect columns
        self.E = np.hstack([public_effects, np.eye(K)[:, :P]])         # (K, C + P): v = E . (w, d)
        self.rng, self.s = rng, settings
        self.alpha = np.array(public.prior_alpha, dtype=float)         # (G, C)
        G, C = self.alpha.shape
        self.C = C
        prior_values = (self.alpha / self.alpha.sum(axis=1, keepdims=True)) @ public_effects.T
        self.sd = np.sqrt((prior_values ** 2).mean(axis=1))            # (G,) prior sd of a named private effect
        self.named = np.zeros((G, K), dtype=bool)
        self.mu, self.S = np.zeros((G, P)), np.zeros((G, P, P))
        self.rows: list[list[np.ndarray]] = [[] for _ in range(G)]      # blocks of comparisons a . (w, d) > b
        self.sites: list[list[np.ndarray]] = [[] for _ in range(G)]     # per comparison: r (K), c, noise, tau, nu (EP)
        self.bounds: list[list[np.ndarray]] = [[] for _ in range(G)]
        self.W = np.empty((G, settings.particles, C))
        self.logw = np.zeros((G, settings.particles))
        # one gamma call for every group draws the same stream as one call per group in order
        self.W[:] = self._dirichlet(np.repeat(self.alpha, settings.particles, axis=0)).reshape(G, settings.particles, C)
        if settings.item_values:
            self.named[:] = True
            self.S[:] = np.eye(K)[None] * (self.sd ** 2)[:, None, None]
        if settings.scale:     # per grid scale f: N(mu_f, S_f) and log Z_f (agents.scale)
            self.mu_s, self.S_s = np.zeros((len(GRID), G, P)), (GRID ** 2)[:, None, None, None] * self.S[None]
            self.logz = np.zeros((len(GRID), G))

    def _dirichlet(self, alpha: np.ndarray) -> np.ndarray:
        """Rows drawn from Dirichlet(alpha row), vectorised through gamma draws."""
        x = self.rng.gamma(np.maximum(alpha, 1e-6))
        total = x.sum(axis=1, keepdims=True)
        if (total > 0).all():
            return x / total
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

    def named_items(self, named: dict[int, list[int]]) -> None:
        """Groups named items (column indices) in statements: give each new one a private effect with prior sd s_g."""
        if not self.s.private_effects or self.s.item_values:
            return
        for g, cols in named.items():
            cols = np.unique(np.asarray(cols, dtype=np.intp))
            new = cols[~self.named[g, cols]]
            self.named[g, new] = True
            self.S[g, new, new] = self.sd[g] ** 2
            if self.s.scale:
                self.S_s[:, g, new, new] = (GRID[:, None] * self.sd[g]) ** 2

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
        if not revealed:
            return
        nonzero = (np.abs(np.concatenate([rows for rows, _ in revealed.values()])).sum(axis=1) > 0).tolist()
        kept, at = {}, 0
        for g, (rows, b) in revealed.items():
            keep, at = nonzero[at:at + len(rows)], at + len(rows)
            if not all(keep):
                if not any(keep):
                    continue
                keep = np.array(keep)
                rows, b = rows[keep], b[keep]
            kept[g] = (rows, b)
            self.rows[g].append(rows)
            self.bounds[g].append(b)
        if not kept:
            return
        gs = list(kept)
        every = gs == list(range(len(self.W)))
        sizes = np.array([len(b) for _, b in kept.values()])
        m = int(sizes.max())
        mask = np.arange(m)[None, :] < sizes[:, None]        # (G', m): row j of group i is a comparison
        A = np.zeros((len(gs), m, self.E.shape[1]))
        B = np.zeros((len(gs), m))
        A[mask] = np.concatenate([rows for rows, _ in kept.values()])
        B[mask] = np.concatenate([b for _, b in kept.values()])
        C = self.C
        Aw, Ad = A[:, :, :C], A[:, :, C:]
        W = self.W if every else self.W[gs]
        named = bool(self.named[gs].any())
        mu, S = (self.mu[gs], self.S[gs]) if named else (None, None)
        Pw = np.einsum("gnc,gmc->gnm", W, Aw)      # (G', N, m) the weight particles' part of each comparison
        if named:     # the weights' share of each comparison before it counts (prior predictive of A_w . w)
            q = np.exp(self.logw[gs] - self.logw[gs].max(axis=1, keepdims=True))
            q /= q.sum(axis=1, keepdims=True)
            mean_w = np.einsum("gn,gnm->gm", q, Pw)
            var_w = np.einsum("gn,gnm->gm", q, (Pw - mean_w[:, None, :]) ** 2)
        z = self._margins(Pw, Ad, B, mu, S) if named else (Pw - B[:, None, :]) / self.s.tau
        gain = np.where(mask[:, None, :], _log_sigmoid(z), 0.0).sum(axis=2)
        if every:
            self.logw += gain
            logw = self.logw
        else:
            self.logw[gs] += gain
            logw = self.logw[gs]
        z = np.exp(logw - logw.max(axis=1, keepdims=True))
        if named and self.s.ep:
            self._settle(gs, Ad, mean_w - B, var_w, mask)
        elif named and self.s.scale:
            self._filter_scales(gs, Ad, mean_w - B, var_w, mask)
        elif named:
            self.mu[gs], self.S[gs], _ = _filter(mu, S, (mean_w - B, var_w), Ad, mask, self.s.tau)
        ess = z.sum(axis=1) ** 2 / (z ** 2).sum(axis=1)
        for g in np.asarray(gs)[ess < self.s.rejuvenate * self.s.particles]:
            self._rejuvenate(int(g))

    def _filter_scales(self, gs: list[int], Ad: np.ndarray, c: np.ndarray, var_w: np.ndarray, mask: np.ndarray) -> None:
        """Filter every grid scale's Gaussian by the comparisons, add their log normalisers, believe the mixture."""
        L, n, P = len(GRID), len(gs), self.mu.shape[1]
        def rep(a):
            return np.broadcast_to(a, (L,) + a.shape).reshape((L * n,) + a.shape[1:])
        mu, S, logz = _filter(self.mu_s[:, gs].reshape(L * n, P), self.S_s[:, gs].reshape(L * n, P, P),
                              (rep(c), rep(var_w)), rep(Ad), rep(mask), self.s.tau)
        self.mu_s[:, gs], self.S_s[:, gs] = mu.reshape(L, n, P), S.reshape(L, n, P, P)
        self.logz[:, gs] += logz.reshape(L, n)
        self.mu[gs], self.S[gs] = mixture(self.mu_s[:, gs], self.S_s[:, gs], self.logz[:, gs])

    def _settle(self, gs: list[int], Ad: np.ndarray, c: np.ndarray, var_w: np.ndarray, mask: np.ndarray) -> None:
        """Add the comparisons' EP sites (private part Ad, weight part's mean c and variance var_w) and settle every site.

        The weight part is read once, under the particles before the comparison counts (no double
        counting); its variance joins the probit noise. Sites start at 0 and old ones where they settled.
        """
        lam2 = (PROBIT / self.s.tau) ** 2
        for i, g in enumerate(gs):
            for j in np.flatnonzero(mask[i]):
                self.sites[g].append(np.concatenate([Ad[i, j], [c[i, j], 1.0 / lam2 + var_w[i, j], 0.0, 0.0]]))
        K = Ad.shape[2]
        m = max(len(self.sites[g]) for g in gs)
        T = np.zeros((len(gs), m, K + 4))
        live = np.zeros((len(gs), m), dtype=bool)
        for i, g in enumerate(gs):
            if self.sites[g]:
                T[i, :len(self.sites[g])] = self.sites[g]
                live[i, :len(self.sites[g])] = True
        s0 = np.where(self.named[gs], self.sd[gs][:, None], 0.0)
        mu, S, tau, nu = settle(s0, T[:, :, :K], T[:, :, K], T[:, :, K + 1], live, T[:, :, K + 2], T[:, :, K + 3])
        self.mu[gs], self.S[gs] = mu, S
        for i, g in enumerate(gs):
            for j, site in enumerate(self.sites[g]):
                site[K + 2], site[K + 3] = tau[i, j], nu[i, j]

    def _loglik(self, g: int, W: np.ndarray) -> np.ndarray:
        if not self.rows[g]:
            return np.zeros(len(W))
        A, b = np.concatenate(self.rows[g]), np.concatenate(self.bounds[g])
        if not self.named[g].any():
            return _log_sigmoid((W @ A[:, :self.C].T - b) / self.s.tau).sum(axis=1)
        C = self.C
        Pw = np.einsum("gnc,gmc->gnm", W[None], A[None, :, :C])
        z = self._margins(Pw, A[None, :, C:], b[None], self.mu[g][None], self.S[g][None])[0]
        return _log_sigmoid(z).sum(axis=1)

    def _margins(self, Pw, Ad, B, mu, S) -> np.ndarray:
        """(G', N, m) scaled margins of comparisons for the weight particles' parts Pw, private effects integrated out."""
        tau = self.s.tau
        z = (Pw + (np.einsum("gmk,gk->gm", Ad, mu) - B)[:, None, :]) / tau
        var = np.einsum("gmk,gkl,gml->gm", Ad, S, Ad)
        if var.any():
            z = z / np.sqrt(1.0 + var * (np.pi / 8.0) / tau ** 2)[:, None, :]
        return z

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

    def mean_params(self) -> np.ndarray:
        """(G, C + P) posterior mean weights, then mean private item effects (P = K with private effects, else 0)."""
        w = self.mean_weights()
        return np.hstack([w, self.mu]) if self.mu.shape[1] else w

    def private_sd(self, X: np.ndarray) -> np.ndarray:
        """(n, G) posterior sd of each package's utility from the private item effects (0 without them).

        The weights-only belief has none, so what reads it (`agents.knowledge.BeliefKnowledge.ideals_high`) is
        the believed best under that belief.
        """
        X = np.atleast_2d(np.asarray(X, dtype=float))
        if not self.mu.shape[1]:
            return np.zeros((len(X), len(self.mu)))
        B = X @ self.E[:, self.C:]
        return np.sqrt(np.maximum(np.einsum("np,gpq,nq->ng", B, self.S, B), 0.0))

    def values(self) -> np.ndarray:
        """(G, K) believed item values: posterior mean weights on the public effects plus private effects."""
        return self.mean_params() @ self.E.T


def preference_rows(E: np.ndarray, better: np.ndarray, worse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Comparison rows (criterion space) and bounds for `better` preferred to `worse`, row by row."""
    diff = (np.atleast_2d(better).astype(float) - np.atleast_2d(worse)) @ E
    return diff, np.zeros(len(diff))


def level_rows(E: np.ndarray, x: np.ndarray, level: float, below: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Comparison row and bound for u(x) >= level (or < level when `below`)."""
    row = np.asarray(x, dtype=float) @ E
    return (-row if below else row)[None], np.array([-level if below else level])


def _filter(mu: np.ndarray, S: np.ndarray, weight_part: tuple[np.ndarray, np.ndarray], Ad: np.ndarray,
            mask: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assumed-density (probit moment-matching) update of N(mu, S) by comparisons Ad . d + A_w . w - b > 0, row by row.

    Returns (mu, S, log Z) with log Z (G,) the sum of the rows' log normalisers log Phi(t), each row's
    probability under the Gaussian before it (rows without a private part are left out: they do not
    depend on the private effects' prior).

    mu (G, K), S (G, K, K), Ad (G, m, K), mask (G, m); weight_part: the mean and variance (G, m) of
    A_w . w - b under the weight particles before the comparisons, so a surprise is shared between
    weights and private effects in proportion to their uncertainty (no double counting).
    """
    from scipy.special import log_ndtr  # 0.14 s to import: only when a comparison is filtered

    mu, S, logz = mu.copy(), S.copy(), np.zeros(len(mu))
    c, var_w = weight_part
    lam = PROBIT / tau
    for j in range(Ad.shape[1]):
        r = Ad[:, j]
        Sr = np.einsum("gkl,gl->gk", S, r)
        q = (r * Sr).sum(axis=1)
        live = mask[:, j] & (q > 0)
        if not live.any():
            continue
        s = np.sqrt(1.0 + lam ** 2 * (q + var_w[:, j]))
        t = lam * ((r * mu).sum(axis=1) + c[:, j]) / s
        log_phi = log_ndtr(t)
        logz += np.where(live, log_phi, 0.0)
        v = np.where(live, np.exp(-0.5 * t ** 2 - 0.5 * np.log(2 * np.pi) - log_phi), 0.0)
        mu += Sr * (lam * v / s)[:, None]
        S -= np.einsum("gk,gl->gkl", Sr, Sr) * (lam ** 2 * v * (v + t) / s ** 2)[:, None, None]
    return mu, S, logz


def _log_sigmoid(z: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -z)
