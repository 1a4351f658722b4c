"""The public rubric as arrays: item values per group and per unit, costs, feasibility.

`V[g, k] = sum_c W[g, c] E[k, c]` with weights normalised to sum 1 per group, and
`group_effects` replacing an item's effects for one group. A package is a 0/1 vector
over items; it is feasible when it fits the budget and honours requires/excludes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from sim.core.scenario import Scenario

EPS = 1e-9


def _normalise(weights: dict[str, float], criteria: list[str]) -> np.ndarray:
    w = np.array([float(weights.get(c, 0.0)) for c in criteria])
    return w / w.sum()


@dataclass(frozen=True, eq=False)
class PublicRubric:
    """The public part of the rubric: items, costs, public effects, budget, links, group ids and sizes.

    It holds no value profile: this is what a mediator under private information computes with.
    """

    item_ids: tuple[str, ...]
    group_ids: tuple[str, ...]
    criterion_ids: tuple[str, ...]
    costs: np.ndarray            # (K,)
    budget: float
    effects: np.ndarray          # (K, C) public effects
    sizes: np.ndarray            # (G,)
    requires: tuple[tuple[int, int], ...]   # (k, j): k needs j
    excludes: tuple[tuple[int, int], ...]   # (k, j) with k < j

    @property
    def n_items(self) -> int:
        """Number of items (K)."""
        return len(self.item_ids)

    @property
    def n_groups(self) -> int:
        """Number of groups (G)."""
        return len(self.group_ids)

    @cached_property
    def item_index(self) -> dict[str, int]:
        """Item id -> column index in the rubric's arrays."""
        return {item_id: k for k, item_id in enumerate(self.item_ids)}

    @cached_property
    def group_index(self) -> dict[str, int]:
        """Group id -> row index in the rubric's arrays."""
        return {group_id: g for g, group_id in enumerate(self.group_ids)}

    @cached_property
    def requires_matrix(self) -> np.ndarray:
        """R[k, j] = 1 when item k requires item j."""
        r = np.zeros((self.n_items, self.n_items), dtype=bool)
        for k, j in self.requires:
            r[k, j] = True
        return r

    def package(self, ids: list[str] | tuple[str, ...]) -> np.ndarray:
        """0/1 vector of a list of item ids (unknown ids raise KeyError)."""
        x = np.zeros(self.n_items, dtype=np.int8)
        for item_id in ids:
            x[self.item_index[item_id]] = 1
        return x

    def ids(self, x: np.ndarray) -> list[str]:
        """Item ids of a 0/1 vector, in rubric order."""
        return [self.item_ids[k] for k in np.flatnonzero(x)]

    def cost(self, x: np.ndarray) -> float:
        """Total cost of a package."""
        return float(self.costs @ x)

    def feasible_mask(self, X: np.ndarray) -> np.ndarray:
        """Boolean feasibility of a batch of packages (n, K)."""
        X = np.asarray(X)
        ok = X @ self.costs <= self.budget + EPS
        for k, j in self.requires:
            ok &= ~((X[:, k] == 1) & (X[:, j] == 0))
        for k, j in self.excludes:
            ok &= ~((X[:, k] == 1) & (X[:, j] == 1))
        return ok

    def feasible(self, x: np.ndarray) -> bool:
        """Whether a package fits the budget and respects every requires and excludes constraint."""
        return not self.why_infeasible(x)

    def why_infeasible(self, x: np.ndarray) -> list[str]:
        """Human-readable reasons a package is infeasible (empty when feasible)."""
        reasons = []
        cost = self.cost(x)
        if cost > self.budget + EPS:
            reasons.append(f"cost {cost:,.0f} exceeds the budget {self.budget:,.0f} "
                           f"by {cost - self.budget:,.0f}")
        for k, j in self.requires:
            if x[k] and not x[j]:
                reasons.append(f"{self.item_ids[k]} requires {self.item_ids[j]}")
        for k, j in self.excludes:
            if x[k] and x[j]:
                reasons.append(f"{self.item_ids[k]} excludes {self.item_ids[j]}")
        return reasons

    def closure(self, x: np.ndarray) -> np.ndarray:
        """X plus everything its items transitively require."""
        y = np.array(x, dtype=np.int8)
        while True:
            need = (self.requires_matrix[y.astype(bool)].any(axis=0)) & (y == 0)
            if not need.any():
                return y
            y[need] = 1

    def dependants(self, k: int) -> np.ndarray:
        """Indices of items that (transitively) require item k."""
        return self._dependants[k]

    @cached_property
    def _dependants(self) -> list[np.ndarray]:
        return [self._find_dependants(k) for k in range(self.n_items)]

    def _find_dependants(self, k: int) -> np.ndarray:
        found = np.zeros(self.n_items, dtype=bool)
        frontier = np.array([k])
        while frontier.size:
            new = self.requires_matrix[:, frontier].any(axis=1) & ~found
            new[k] = False
            found |= new
            frontier = np.flatnonzero(new)
        return np.flatnonzero(found)

    def public(self) -> "PublicRubric":
        """This rubric's public part as a PublicRubric (no value profile)."""
        return PublicRubric(self.item_ids, self.group_ids, self.criterion_ids, self.costs, self.budget,
                            self.effects, self.sizes, self.requires, self.excludes)


@dataclass(frozen=True, eq=False)
class Rubric(PublicRubric):
    """Arrays derived from a scenario; everything the engine computes with (public part plus values)."""

    weights: np.ndarray = field(repr=False)           # (G, C) normalised
    values: np.ndarray = field(repr=False)            # (G, K) item value per group
    unit_values: np.ndarray = field(repr=False)       # (U, K) item value per stakeholder unit
    unit_group: np.ndarray = field(repr=False)        # (U,) group index of each unit
    criterion_values: np.ndarray = field(repr=False)  # (G, K, C) per-criterion contributions

    def utilities(self, x: np.ndarray) -> np.ndarray:
        """Group utilities u_g(x); x may be (K,) or a batch (n, K) -> (n, G)."""
        return np.asarray(x, dtype=float) @ self.values.T

    def unit_utilities(self, x: np.ndarray) -> np.ndarray:
        """Utilities of every stakeholder unit (members, or groups when none)."""
        return np.asarray(x, dtype=float) @ self.unit_values.T

    def fingerprint(self) -> bytes:
        """Stable bytes identifying the optimisation problem (for caches)."""
        parts = [self.costs, self.values, self.unit_values, np.array([self.budget]),
                 np.array(self.requires, dtype=np.int64).ravel(),
                 np.array(self.excludes, dtype=np.int64).ravel()]
        return b"|".join(np.ascontiguousarray(p, dtype=float).tobytes() for p in parts)


def _member_weights(scenario: Scenario, g: int, criteria: list[str]) -> list[np.ndarray]:
    group = scenario.groups[g]
    if group.members:
        return [_normalise(m, criteria) for m in group.members]
    if group.dispersion is not None:
        rng = np.random.default_rng([scenario.protocol.seed, g, 7919])
        alpha = _normalise(group.weights, criteria) / group.dispersion.spread + 1e-3
        return list(rng.dirichlet(alpha, size=group.dispersion.members))
    return []


def build_rubric(scenario: Scenario) -> Rubric:
    """Turn a validated scenario into arrays."""
    crit = scenario.criterion_ids
    items, groups = scenario.items, scenario.groups
    E = np.array([[float(it.effects.get(c, 0.0)) for c in crit] for it in items])
    W = np.array([_normalise(g.weights, crit) for g in groups])
    # per-group effect matrices with group_effects overrides
    E_g = np.repeat(E[None, :, :], len(groups), axis=0)
    gidx = {g.id: i for i, g in enumerate(groups)}
    for k, it in enumerate(items):
        for gid, eff in it.group_effects.items():
            E_g[gidx[gid], k, :] = [float(eff.get(c, 0.0)) for c in crit]
    contrib = E_g * W[:, None, :]
    V = contrib.sum(axis=2)
    unit_rows, unit_group = [], []
    for g in range(len(groups)):
        members = _member_weights(scenario, g, crit)
        for w in members or [W[g]]:
            unit_rows.append(E_g[g] @ w)
            unit_group.append(g)
    iidx = {it.id: k for k, it in enumerate(items)}
    requires = tuple((k, iidx[r]) for k, it in enumerate(items) for r in it.requires)
    excl = {tuple(sorted((k, iidx[e]))) for k, it in enumerate(items) for e in it.excludes}
    return Rubric(
        item_ids=tuple(scenario.item_ids), group_ids=tuple(scenario.group_ids),
        criterion_ids=tuple(crit), costs=np.array([float(it.cost) for it in items]),
        budget=float(scenario.budget), effects=E, weights=W, values=V,
        sizes=np.array([float(g.size) for g in groups]),
        unit_values=np.array(unit_rows), unit_group=np.array(unit_group, dtype=np.int64),
        requires=requires, excludes=tuple(sorted(excl)), criterion_values=contrib,
    )
