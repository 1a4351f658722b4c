"""What a rule mediator knows: everything (`full`) or the public view plus its beliefs (`private`).

Both expose the same numbers to the strategy: item values per group, disagreement utilities,
ideal utilities, the pool of packages to consider, red lines and the acceptance rule.
Under `full` they are the true ones (today's omniscient mediator, kept as the benchmark);
under `private` they are believed: values from `agents.beliefs`, red lines as stated, the
pool from public data only (base designs and the packages best for a spread of weight
directions over the criteria), the disagreement package and the best base design by
believed totals.
"""

from __future__ import annotations

import numpy as np

from agents.beliefs import Beliefs
from sim.core.cache import owned
from sim.core.context import NegotiationContext
from sim.core.moves import Move
from sim.core.repair import repair
from sim.core.views import PublicContext, acceptance_passes
from sim.search.exact import ENUM_MAX_ITEMS, OBJECTIVES, enumerate_feasible

DIRECTIONS = 96           # random weight directions spanning the public pool (plus vertices and priors)
MILP_DIRECTIONS = 24      # fewer when each direction needs a MILP (more than ENUM_MAX_ITEMS items)
POOL_SEED = 20240611      # fixed: the public pool is a function of the public view only


class FullKnowledge:
    """The omniscient mediator's knowledge: true values and red lines (information: full)."""

    private = False

    def __init__(self, ctx: NegotiationContext, objectives: tuple[str, ...] = OBJECTIVES) -> None:
        self.ctx, self.rubric, self.objectives = ctx, ctx.rubric, objectives
        self.values = ctx.rubric.values
        self.d, self.ideals = ctx.disagreement_utilities, ctx.ideals
        self.base_packages, self.best_base = ctx.base_packages, ctx.best_base

    def pool(self) -> np.ndarray:
        """Base designs, the optima of the objectives used, each group's best package and the frontier."""
        return mediation_pool(self.ctx, self.objectives)

    def candidates(self) -> np.ndarray:
        """The pool a draft may come from (the same as `pool` under full information)."""
        return self.pool()

    def red_lines_ok(self, C: np.ndarray, U: np.ndarray) -> np.ndarray:
        """(n, G) whether each candidate keeps each group's true red lines."""
        return red_lines_ok(self.ctx, C, U)

    def passes(self, accepts: np.ndarray) -> np.ndarray:
        """(n,) whether predicted accepts (n, G) satisfy the acceptance rule and vetoes."""
        veto = owned(self.ctx, "veto_mask", lambda: np.array([g.veto for g in self.ctx.scenario.groups], dtype=bool))
        return acceptance_passes(self.ctx.protocol, veto, accepts)

    def utilities(self, X: np.ndarray) -> np.ndarray:
        """(n, G) utilities of packages as this mediator knows them."""
        return np.asarray(X, dtype=float) @ self.values.T


class BeliefKnowledge(FullKnowledge):
    """The mediator's knowledge under private information: public view plus beliefs from statements."""

    private = True

    def __init__(self, public: PublicContext, beliefs: Beliefs) -> None:
        self.ctx, self.rubric, self.beliefs = public, public.rubric, beliefs
        self.base_packages = public.base_packages
        self.stated: dict[int, Move] = {}
        self.ideal_bounds: dict[int, float] = {}    # per group, the highest reservation its stated ideal bounds
        self.heard_packages = np.empty((0, public.rubric.n_items), dtype=np.int8)
        self.refresh()

    def refresh(self) -> None:
        """Recompute the believed numbers after the beliefs changed."""
        rub, pool = self.rubric, self.pool()
        self.params = self.beliefs.mean_params()
        self.values = self.params @ self.beliefs.E.T
        feasible = owned(self.ctx, "feasible_base_designs", lambda: {
            n: x for n, x in self.base_packages.items() if rub.feasible(x)} or self.base_packages)
        totals = {n: float((self.values @ x).sum()) for n, x in feasible.items()}
        self.best_base = max(totals, key=lambda n: totals[n]) if totals else None
        zero = np.zeros(rub.n_items, dtype=np.int8)
        self.disagreement = self.base_packages[self.best_base] \
            if self.ctx.protocol.disagreement == "best_base" and self.best_base is not None else zero
        self.d = self.values @ self.disagreement
        U = pool @ self.values.T
        self.ideal_packages = pool[U.argmax(axis=0)]                     # (G, K) believed best package per group
        self.ideals = np.maximum(U.max(axis=0), self.d)
        # the highest plausible best utility: objections are read on it (agents.support, no free vote for silence);
        # only a belief unsure of every item from the start is unsure of a silent group's best (named private
        # effects leave a silent group's best known and would move only the speaking groups' floors)
        sd = self.beliefs.private_sd(pool) if self.beliefs.s.item_values else 0.0
        self.ideals_high = np.maximum((U + sd).max(axis=0), self.ideals)

    def pool(self) -> np.ndarray:
        """The public pool: base designs and direction-optimal packages (no private value used)."""
        return public_pool(self.ctx)

    def candidates(self) -> np.ndarray:
        """The pool a draft may come from: the public pool and the packages heard (what stated ballots elect)."""
        if not len(self.heard_packages):
            return self.pool()
        return np.unique(np.vstack([self.pool(), self.heard_packages]), axis=0)

    def add_candidates(self, packages: list[np.ndarray]) -> None:
        """Packages heard from the groups (e.g. what their stated ballots elect) join the candidates when feasible."""
        if packages:
            X = np.array(packages, dtype=np.int8)
            self.heard_packages = np.unique(np.vstack([self.heard_packages, X[self.rubric.feasible_mask(X)]]), axis=0)

    def red_lines_ok(self, C: np.ndarray, U: np.ndarray) -> np.ndarray:
        """(n, G) whether each candidate keeps each group's *stated* red lines."""
        key = tuple(self.stated)
        if getattr(self, "_lines_key", None) != key:
            self._lines_key = key
            self._lines = line_index(self.rubric, [(g, said) for g, said in self.stated.items()])
        return lines_ok(self._lines, C, U)

    def passes(self, accepts: np.ndarray) -> np.ndarray:
        """(n,) whether predicted accepts satisfy the public acceptance rule and vetoes."""
        veto = owned(self.ctx, "veto_mask", lambda: np.array([g.veto for g in self.ctx.groups], dtype=bool))
        return acceptance_passes(self.ctx.protocol, veto, accepts)


def line_index(rub, lines: list) -> list[tuple[int, np.ndarray | None, np.ndarray | None, float | None]]:
    """(group, must-have columns, never columns, minimum utility) of each (group, red lines) pair."""
    def cols(ids) -> np.ndarray | None:
        return np.array([rub.item_index[i] for i in ids], dtype=np.intp) if ids else None
    return [(g, cols(said.must_have), cols(said.never), said.min_utility) for g, said in lines]


def lines_ok(lines: list, C: np.ndarray, U: np.ndarray) -> np.ndarray:
    """(n, G) whether each candidate keeps the red lines indexed by `line_index`."""
    ok = np.ones(U.shape, dtype=bool)
    for g, must, never, low in lines:
        if must is not None:
            ok[:, g] &= C[:, must].all(axis=1)
        if never is not None:
            ok[:, g] &= ~C[:, never].any(axis=1)
        if low is not None:
            ok[:, g] &= U[:, g] >= low - 1e-9
    return ok


def red_lines_ok(ctx: NegotiationContext, C: np.ndarray, U: np.ndarray) -> np.ndarray:
    """(n, G) whether each candidate keeps each group's true red lines."""
    lines = owned(ctx, "red_line_index", lambda: line_index(
        ctx.rubric, [(g, group.red_lines) for g, group in enumerate(ctx.scenario.groups)]))
    return lines_ok(lines, C, U)


def pool_objectives(strategy: str) -> tuple[str, ...]:
    """The objectives whose optima a strategy's pool holds: all but leximin, unless it ranks by leximin.

    Leximin needs one MILP stage per group (its cost grows about G^3 per solve), and on the shipped
    scenarios its optimum never decided a run of another strategy; the nash and kalai optima did
    (dropping them changed 4 of 60 full-information runs), so they stay (docs/performance.md).
    """
    return tuple(o for o in OBJECTIVES if o != "leximin" or strategy == "leximin")


def mediation_pool(ctx: NegotiationContext, objectives: tuple[str, ...] = OBJECTIVES) -> np.ndarray:
    """Feasible packages the omniscient mediator may table beyond local amendments.

    Base designs, the optima of `objectives`, each group's best package and the (total,
    worst_group) frontier.
    """
    def build() -> np.ndarray:
        d = ctx.disagreement_utilities
        rows = list(ctx.base_packages.values())
        rows += [ctx.search.optimise(o, disagreement=d).package for o in objectives]
        rows += [ctx.ideal_package(g) for g in range(ctx.rubric.n_groups)]
        rows += [p.package for p in ctx.search.pareto_frontier()]
        pool = np.unique(np.array(rows, dtype=np.int8), axis=0)
        return pool[ctx.rubric.feasible_mask(pool)]
    return owned(ctx, "mediation_pool:" + ",".join(objectives), build)


def directions(public: PublicContext, n: int) -> np.ndarray:
    """Weight directions over the criteria: each criterion alone, uniform, the priors, n random ones.

    A direction repeated (groups without a prior share one) is kept once, at its first place.
    """
    C = len(public.rubric.criterion_ids)
    rng = np.random.default_rng(POOL_SEED)
    D = np.vstack([np.eye(C), np.full((1, C), 1.0 / C), public.prior_weights,
                   rng.dirichlet(np.ones(C), size=n)])
    _, first = np.unique(D, axis=0, return_index=True)
    return D[np.sort(first)]


def public_pool(public: PublicContext) -> np.ndarray:
    """Feasible packages built from public data only: base designs and direction-optimal packages.

    Any weighted sum of group utilities is one weight direction over the criteria, so packages
    best for a spread of directions are close to what any strategy would pick.
    """
    def build() -> np.ndarray:
        rub = public.rubric
        rows = [repair(public, x)[0] for x in public.base_packages.values()]
        if rub.n_items <= ENUM_MAX_ITEMS:
            X = enumerate_feasible(rub)
            S = X.astype(np.float32) @ rub.effects.astype(np.float32)
            D = directions(public, DIRECTIONS).astype(np.float32)
            for start in range(0, len(D), 32):
                rows += list(X[np.argmax(S @ D[start:start + 32].T, axis=0)])
        else:
            rows += [_milp_best(public, w) for w in directions(public, MILP_DIRECTIONS)]
        pool = np.unique(np.array(rows, dtype=np.int8), axis=0)
        return pool[rub.feasible_mask(pool)]
    return owned(public, "public_pool", build)


def _milp_best(public: PublicContext, w: np.ndarray) -> np.ndarray:
    """The feasible package best for one weight direction, by MILP (many items)."""
    from sim.core.rubric import Rubric
    from sim.search.exact import optimise

    rub = public.rubric
    v = rub.effects @ w
    one = Rubric(rub.item_ids, ("direction",), rub.criterion_ids, rub.costs, rub.budget, rub.effects,
                 np.ones(1), rub.requires, rub.excludes, weights=w[None], values=v[None],
                 unit_values=v[None], unit_group=np.zeros(1, dtype=np.int64),
                 criterion_values=(rub.effects * w)[None])
    return np.asarray(optimise(one, "utilitarian", method="milp").package, dtype=np.int8)
