"""What a mediator may know under private information: the public view of a scenario.

`PublicContext` is a type with no private field: criteria, items (cost, public effects,
requires/excludes), budget, base designs, each group's id, label, size, persona, veto and
public prior, the acceptance and disagreement rules. Weights, `group_effects`, red lines and
members are absent, so a mediator built from it can learn a group's values only from what
the group says (or from a public prior such as a survey).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.core.rubric import PublicRubric
from sim.core.scenario import Prior, Protocol, Quorum, Scenario

DEFAULT_PRIOR_SD = 0.1        # standard error of a normalised prior weight when `sd` is not given
PRIOR_CONCENTRATION_MAX = 1000.0


@dataclass(frozen=True)
class GroupView:
    """A group as everyone sees it (its values stay with its own agent)."""

    id: str
    label: str
    size: float
    persona: str
    veto: bool
    prior: Prior | None


@dataclass(frozen=True, eq=False)
class PublicContext:
    """The public view of one negotiation: the only thing a mediator under `private` is built from."""

    name: str
    currency: str
    rubric: PublicRubric
    groups: tuple[GroupView, ...]
    base_designs: tuple[tuple[str, tuple[str, ...]], ...]
    protocol: Protocol

    @property
    def max_rounds(self) -> int:
        """The protocol's round limit."""
        return self.protocol.max_rounds

    @cached_property
    def base_packages(self) -> dict[str, np.ndarray]:
        """Each base design as a package vector."""
        return {name: self.rubric.package(list(ids)) for name, ids in self.base_designs}

    @cached_property
    def prior_alpha(self) -> np.ndarray:
        """(G, C) Dirichlet parameters of each group's public prior (all ones when the group has none).

        A prior with mean m and standard errors sd gets the concentration a0 that matches the
        Dirichlet variance m(1-m)/(a0+1) to sd^2 on average over criteria.
        """
        crit = self.rubric.criterion_ids
        rows = []
        for group in self.groups:
            if group.prior is None:
                rows.append(np.ones(len(crit)))
                continue
            m = np.array([float(group.prior.weights.get(c, 0.0)) for c in crit])
            m = m / m.sum()
            given = [float(v) for v in group.prior.sd.values()]
            default = float(np.mean(given)) if given else DEFAULT_PRIOR_SD
            sd = np.array([float(group.prior.sd.get(c, default)) for c in crit])
            a0 = float(np.clip(np.mean(m * (1 - m) / sd ** 2) - 1.0, 1.0, PRIOR_CONCENTRATION_MAX))
            rows.append(m * a0 + 1e-3)
        return np.array(rows)

    @cached_property
    def prior_weights(self) -> np.ndarray:
        """(G, C) prior mean weights."""
        a = self.prior_alpha
        return a / a.sum(axis=1, keepdims=True)

    @cached_property
    def repair_worth(self) -> np.ndarray:
        """(K,) item worth used to repair drafts under private information: the prior-mean total value."""
        return (self.prior_weights @ self.rubric.effects.T).sum(axis=0)

    def accepted(self, accepts: set[str]) -> bool:
        """Whether a set of accepting group ids satisfies the acceptance rule and vetoes."""
        return rule_holds(self.protocol, [(g.id, g.veto) for g in self.groups], accepts)


def acceptance_passes(protocol: Protocol, veto: np.ndarray, accepts: np.ndarray) -> np.ndarray:
    """The acceptance rule, the one definition: rows of accepts (n, G) -> (n,) whether each passes.

    Every veto group must accept; then unanimous (all), majority (more than half) or quorum (at least k).
    """
    accepts = np.atleast_2d(np.asarray(accepts, dtype=bool))
    n, G = accepts.sum(axis=1), accepts.shape[1]
    rule = protocol.acceptance
    if rule == "unanimous":
        ok = n == G
    elif rule == "majority":
        ok = 2 * n > G
    else:
        assert isinstance(rule, Quorum)
        ok = n >= rule.quorum
    return ok & accepts[:, np.asarray(veto, dtype=bool)].all(axis=1)


def rule_holds(protocol: Protocol, groups: list[tuple[str, bool]], accepts: set[str]) -> bool:
    """The acceptance rule on (group id, veto) pairs and the set of accepting ids."""
    row = np.array([[gid in accepts for gid, _ in groups]], dtype=bool)
    return bool(acceptance_passes(protocol, np.array([v for _, v in groups], dtype=bool), row)[0])


def public_view(scenario: Scenario, rubric: PublicRubric, protocol: Protocol) -> PublicContext:
    """Build the public view of a scenario (the rubric's value profile is left out)."""
    public = rubric.public()
    groups = tuple(GroupView(g.id, g.label, float(g.size), g.persona, bool(g.veto), g.prior)
                   for g in scenario.groups)
    designs = tuple((name, tuple(ids)) for name, ids in scenario.base_designs.items())
    return PublicContext(scenario.name, scenario.currency, public, groups, designs, protocol)
