"""Score designs side by side: the negotiated package, base designs, tested proposals.

p20 depends on which designs are evaluated together (satisfaction is min-max normalised
per unit over them), so every caller passes the whole set at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core import metrics
from sim.core.context import NegotiationContext
from sim.search.exact import OBJECTIVES


@dataclass(frozen=True)
class DesignReport:
    """One design's package, cost, feasibility, group utilities and metrics."""

    name: str
    kind: str                     # negotiated | base | proposal | optimal
    package: tuple[str, ...]
    cost: float
    infeasible: tuple[str, ...]
    utilities: np.ndarray
    metrics: metrics.DesignMetrics
    red_lines: dict[str, list[str]]

    def per_group(self, group_ids) -> dict[str, float]:
        """The design's utility per group id."""
        return {g: float(u) for g, u in zip(group_ids, self.utilities)}

    def as_dict(self, group_ids) -> dict:
        """The design as JSON-ready data: kind, package, cost, feasibility, metrics, per-group utilities, red lines."""
        return {"kind": self.kind, "package": list(self.package), "cost": self.cost,
                "feasible": not self.infeasible, "infeasible": list(self.infeasible),
                "metrics": self.metrics.as_dict(), "per_group": self.per_group(group_ids),
                "red_lines_broken": self.red_lines}


def evaluate_designs(ctx: NegotiationContext, designs: dict[str, np.ndarray],
                     kinds: dict[str, str]) -> dict[str, DesignReport]:
    """Metrics of every design, with satisfaction normalised over exactly these designs."""
    rub = ctx.rubric
    names = list(designs)
    X = np.array([designs[n] for n in names], dtype=float).reshape(len(names), rub.n_items)
    U = rub.utilities(X)
    S = metrics.satisfaction(rub.unit_utilities(X))
    d = ctx.disagreement_utilities
    out = {}
    for i, name in enumerate(names):
        x = designs[name]
        broken = {rub.group_ids[g]: b for g in range(rub.n_groups)
                  if (b := ctx.red_lines_broken(g, x))}
        out[name] = DesignReport(
            name=name, kind=kinds.get(name, "base"), package=tuple(rub.ids(x)),
            cost=rub.cost(x), infeasible=tuple(rub.why_infeasible(x)), utilities=U[i],
            metrics=metrics.design_metrics(U[i], S[i], rub.sizes, rub.group_ids, d),
            red_lines=broken)
    return out


def optimal_designs(ctx: NegotiationContext) -> dict[str, np.ndarray]:
    """The exactly optimal feasible package of every objective."""
    d = ctx.disagreement_utilities
    return {f"optimal_{o}": ctx.search.optimise(o, disagreement=d).package for o in OBJECTIVES}


@dataclass(frozen=True)
class ProposalReport:
    """A planner's proposal scored against base designs and optimal packages."""

    proposal: DesignReport
    designs: dict[str, DesignReport]
    pareto_optimal: bool | None
    dominated_by: tuple[str, ...] | None
    dominated_by_utilities: np.ndarray | None
    best_single_change: dict | None


def evaluate_package(ctx: NegotiationContext, x: np.ndarray,
                     extra: dict[str, np.ndarray] | None = None) -> ProposalReport:
    """Score package x beside the base designs, the objective optima and `extra` designs."""
    rub = ctx.rubric
    designs = {"proposal": np.asarray(x, dtype=np.int8)}
    kinds = {"proposal": "proposal"}
    for name, pkg in {**ctx.base_packages, **(extra or {})}.items():
        designs[name], kinds[name] = pkg, ("base" if name in ctx.base_packages else "negotiated")
    for name, pkg in optimal_designs(ctx).items():
        designs[name], kinds[name] = pkg, "optimal"
    reports = evaluate_designs(ctx, designs, kinds)
    proposal = reports.pop("proposal")
    pareto, dom, dom_u = None, None, None
    if not proposal.infeasible:
        y = ctx.search.dominating_package(designs["proposal"])
        pareto = y is None
        if y is not None:
            dom, dom_u = tuple(rub.ids(y)), rub.utilities(y)
    return ProposalReport(proposal, reports, pareto, dom, dom_u,
                          best_single_change(ctx, designs["proposal"]))


def best_single_change(ctx: NegotiationContext, x: np.ndarray) -> dict | None:
    """The cheapest feasible single add or drop that raises the worst group's utility."""
    rub = ctx.rubric
    low = float(rub.utilities(x).min())
    best = None
    for k in range(rub.n_items):
        y = x.copy()
        y[k] = 1 - y[k]
        if not rub.feasible(y):
            continue
        gain = float(rub.utilities(y).min()) - low
        if gain <= 1e-9:
            continue
        change_cost = float(rub.costs[k]) if y[k] else -float(rub.costs[k])
        key = (change_cost, -gain, k)
        if best is None or key < best[0]:
            best = (key, {"op": "add" if y[k] else "drop", "item": rub.item_ids[k],
                          "cost_change": change_cost, "worst_group_gain": gain,
                          "new_worst_group": low + gain})
    return None if best is None else best[1]
