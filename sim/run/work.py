"""The work budget: estimate a run's CPU seconds from the scenario and settings before it starts.

One estimator for every face (`negsim validate`, `run`, `sweep` at planning, `sim.run`, `sim.run_many`):
the terms below are summed, and a run whose estimate exceeds the limit (`MAX_RUN_CPU_SECONDS`, or the
caller's own, e.g. `negsim run --max-seconds`) is refused with one line naming the largest term, its
estimate, the limit and the fix. The coefficients were fitted to CPU seconds measured on this machine
by `benchmarks/bench_limits.py --fit` (docs/limits.md), with K items, G groups, V voters (members when
a group has members, else the group itself) and R the round limit:

- `enumeration` (K <= 20): every feasible package is scored for every group, 2^K x (G + 8) cells,
  about ENUM_PRIVATE_FACTOR times more under private information (the drafting search);
- `MILP search` (K > 20): the exact optima and, under full information, the mediator's pool each round;
  a power law in K and G per information mode, scaled by R / 10 beyond 10 rounds;
- `knapsack ballots` (K > 20): one exact search per voter for the vote benchmark, V x a K^b;
- `members`: item values and satisfaction per member, members x K;
- and RUN_BASE_SECONDS, what the smallest run costs (agents, evaluation, records).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.errors import NegsimError
from sim.core.limits import MAX_RUN_CPU_SECONDS
from sim.core.scenario import Scenario, member_count
from sim.search.exact import ENUM_MAX_ITEMS

__all__ = ["WorkEstimate", "WorkTerm", "WorkTooLarge", "check_work", "estimate_work"]

# Fitted CPU seconds (benchmarks/bench_limits.py --fit, 2 shared cores at load 4-6; docs/limits.md "The work budget").
ENUM_SECONDS_PER_CELL = 3.5e-8        # one package x group cell of the enumerated table, full information
ENUM_EXTRA_COLUMNS = 8                # the optima, ideals and votes columns scored beside the groups
ENUM_PRIVATE_FACTOR = 2.0             # private information enumerates again for its drafts (1.5-2.5 measured)
MILP_FIT = {"full": (5.7e-5, 2.43, 0.77), "private": (1.16e-2, 1.14, 0.40)}   # seconds = a K^b G^c
BALLOT_FIT = (1.15e-3, 0.875)         # one voter's knapsack ballot: a K^b seconds
MEMBER_SECONDS_PER_VALUE = 1.45e-5    # one member x item value through the run (100,000 x 12: 17.7 s)
RUN_BASE_SECONDS = 0.25               # agents, evaluation and records of the smallest run
ROUNDS_MEASURED = 10                  # the round limit the fits were measured at


class WorkTooLarge(NegsimError, ValueError):
    """A run whose estimated work exceeds the limit: refused before it starts (one line: where, problem, fix)."""

    def __init__(self, where: str, problem: str, fix: str) -> None:
        self.where, self.problem, self.fix = where, problem, fix
        super().__init__(f"{where}: {problem}; fix: {fix}")


@dataclass(frozen=True)
class WorkTerm:
    """One part of a run's work: its quantity, the count behind it and its estimated CPU seconds."""

    quantity: str
    count: str
    seconds: float
    fix: str


@dataclass(frozen=True)
class WorkEstimate:
    """A run's estimated CPU seconds on this machine, by term."""

    terms: tuple[WorkTerm, ...]
    base: float = RUN_BASE_SECONDS

    @property
    def seconds(self) -> float:
        """The total estimate: the smallest run's cost and every term."""
        return self.base + sum(t.seconds for t in self.terms)

    @property
    def largest(self) -> WorkTerm:
        """The term that costs the most."""
        return max(self.terms, key=lambda t: t.seconds)


def estimate_work(scenario: Scenario, information: str | None = None, max_rounds: int | None = None) -> WorkEstimate:
    """The estimated CPU seconds of one run of `scenario` with these settings (None: the scenario's own)."""
    info = information or scenario.protocol.information
    rounds = max_rounds or scenario.protocol.max_rounds
    K, G = len(scenario.items), len(scenario.groups)
    members = member_count(scenario)
    voters = members or G
    terms = [WorkTerm("members", f"{members:,} members x {K} items", members * K * MEMBER_SECONDS_PER_VALUE,
                      "use fewer members per group")]
    if K <= ENUM_MAX_ITEMS:
        factor = ENUM_PRIVATE_FACTOR if info == "private" else 1.0
        cells = 2 ** K * (G + ENUM_EXTRA_COLUMNS)
        terms.append(WorkTerm("enumeration", f"2^{K} packages x {G} groups",
                              cells * ENUM_SECONDS_PER_CELL * factor, "use fewer items"))
        return WorkEstimate(tuple(terms))
    a, b, c = MILP_FIT[info]
    more_rounds = max(1.0, rounds / ROUNDS_MEASURED)
    fix = "use private information, fewer items or fewer groups" if info == "full" else \
        "use fewer items or fewer groups"
    terms.append(WorkTerm("MILP search", f"{K} items x {G} groups, {info} information, {rounds} rounds",
                          a * K ** b * G ** c * more_rounds, fix))
    a, b = BALLOT_FIT
    terms.append(WorkTerm("knapsack ballots", f"{voters:,} voters x {K} items", voters * a * K ** b,
                          f"use fewer members or at most {ENUM_MAX_ITEMS} items"))
    return WorkEstimate(tuple(terms))


def check_work(scenario: Scenario, information: str | None = None, max_rounds: int | None = None, *,
               limit: float | None = None, where: str = "", hint: str = "") -> WorkEstimate:
    """The estimate, or WorkTooLarge: one line naming `where`, the largest term, the estimate, the limit and the fix.

    `limit` (CPU seconds) may only raise MAX_RUN_CPU_SECONDS; `hint` adds how the caller's face raises it.
    """
    estimate = estimate_work(scenario, information, max_rounds)
    limit = max(MAX_RUN_CPU_SECONDS, limit or 0.0)
    if estimate.seconds > limit:
        big = estimate.largest
        raise WorkTooLarge(
            where or scenario.name,
            f"one run would take about {_cpu(estimate.seconds)}, mostly {big.quantity} ({big.count}: "
            f"{_cpu(big.seconds)}), above the limit of {_cpu(limit)} on this machine",
            f"{big.fix}{hint} (docs/limits.md)")
    return estimate


def _cpu(seconds: float) -> str:
    return f"{seconds:,.0f} CPU-s" if seconds >= 10 else f"{seconds:.2g} CPU-s"
