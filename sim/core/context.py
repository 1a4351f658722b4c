"""What every agent may know before a negotiation starts: rubric, ideals, disagreement point.

Built once per (scenario, settings) and shared by the env and the agents; the numbers in
it are computed by the engine, never by an agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.core.rubric import Rubric, build_rubric
from sim.core.scenario import Protocol, Scenario
from sim.core.views import PublicContext, public_view, rule_holds
from sim.search import exact as search


@dataclass(frozen=True, eq=False)
class NegotiationContext:
    """Scenario, rubric and engine-computed reference points for one negotiation."""

    scenario: Scenario
    rubric: Rubric
    protocol: Protocol

    @property
    def max_rounds(self) -> int:
        """The protocol's round limit."""
        return self.protocol.max_rounds

    @property
    def private(self) -> bool:
        """Whether the mediator knows only what is public and what the groups say."""
        return self.protocol.information == "private"

    @cached_property
    def public(self) -> PublicContext:
        """The public view of this negotiation (no weights, group effects, red lines or members)."""
        return public_view(self.scenario, self.rubric, self.protocol)

    @cached_property
    def repair_worth(self) -> np.ndarray:
        """(K,) item worth the engine repairs drafts with under full information: the total true value."""
        return self.rubric.values.sum(axis=0)

    @cached_property
    def search(self) -> "search.SearchCache":
        """The shared SearchCache of the rubric: exact optima, ideals and the Pareto frontier, computed once."""
        return search.cached(self.rubric)

    @cached_property
    def base_packages(self) -> dict[str, np.ndarray]:
        """Each base design of the scenario as a package vector."""
        return {name: self.rubric.package(ids) for name, ids in self.scenario.base_designs.items()}

    @cached_property
    def best_base(self) -> str | None:
        """Name of the feasible base design with the highest total utility (first on ties).

        A base design over the budget (e.g. in a sweep over budget levels) is not a fair
        comparator; only when no base design is feasible are all of them considered.
        """
        if not self.base_packages:
            return None
        pool = {n: x for n, x in self.base_packages.items() if self.rubric.feasible(x)} or self.base_packages
        totals = {n: float(self.rubric.utilities(x).sum()) for n, x in pool.items()}
        return max(totals, key=lambda n: totals[n])

    @cached_property
    def disagreement_package(self) -> np.ndarray:
        """The outcome without agreement: nothing funded, or the best base design."""
        if self.protocol.disagreement == "best_base" and self.best_base is not None:
            return self.base_packages[self.best_base]
        return np.zeros(self.rubric.n_items, dtype=np.int8)

    @cached_property
    def disagreement_utilities(self) -> np.ndarray:
        """Each group's utility of the disagreement package."""
        return self.rubric.utilities(self.disagreement_package)

    @cached_property
    def ideals(self) -> np.ndarray:
        """Each group's highest feasible utility."""
        return np.asarray(self.search.ideal_point(), dtype=float)

    def ideal_package(self, g: int) -> np.ndarray:
        """The feasible package best for group g (exact search, cached)."""
        return self.search.best_for_group(g).package

    def red_lines_broken(self, g: int, x: np.ndarray) -> list[str]:
        """The red lines of group g that package x breaks, as readable strings."""
        lines = self.scenario.groups[g].red_lines
        idx = self.rubric.item_index
        broken = [f"missing must-have {i}" for i in lines.must_have if not x[idx[i]]]
        broken += [f"includes never-item {i}" for i in lines.never if x[idx[i]]]
        if lines.min_utility is not None:
            u = float(self.rubric.values[g] @ x)
            if u < lines.min_utility - 1e-9:
                broken.append(f"utility {u:.2f} below minimum {lines.min_utility:g}")
        return broken

    def accepted(self, accepts: set[str]) -> bool:
        """Whether a set of accepting group ids satisfies the acceptance rule and vetoes."""
        return rule_holds(self.protocol, [(g.id, g.veto) for g in self.scenario.groups], accepts)


def make_context(scenario: Scenario, *, max_rounds: int | None = None,
                 mediator: str | None = None, rubric: Rubric | None = None,
                 information: str | None = None, elicitation: str | None = None) -> NegotiationContext:
    """Build a context, overriding protocol settings where given (validated like the scenario's own)."""
    settings = {"max_rounds": max_rounds, "mediator": mediator, "information": information,
                "elicitation": elicitation}
    updates = {k: v for k, v in settings.items() if v is not None}
    if updates:
        Protocol.model_validate({**scenario.protocol.model_dump(), **updates})
    protocol = scenario.protocol.model_copy(update=updates)
    if updates:
        scenario = scenario.model_copy(update={"protocol": protocol})
    return NegotiationContext(scenario, rubric or build_rubric(scenario), protocol)
