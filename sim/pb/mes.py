"""MES completed by budget increase, as pabutools computes it, with MES's tables built once.

pabutools' `exhaustion_by_budget_increase` re-runs `method_of_equal_shares` with the budget
raised by 1% a step, until an outcome is exhaustive (returned) or breaks the real budget (the
previous one is returned). Each run rebuilds MES's voter and project tables, one satisfaction
call per (ballot, project): 94% of a city import. Here the tables are built once, and each step
runs MES's inner algorithm (pabutools' `mes_inner_algo`, resolute) on plain lists: the same lazy
pass over projects, the same exact fractions (gmpy2, pabutools' `frac`), the same stop rules and
lexicographic tie-breaking, so the outcome is identical (checked against pabutools in tests).
pabutools' version spends most of a city import in method calls per supporter.

The second module that imports `pabutools` (beside `sim.pb.pabulib`), always inside functions.
"""

from __future__ import annotations

from copy import copy, deepcopy
from typing import Any

__all__ = ["MESStepLimit", "approval_election", "mes_approval", "mes_by_budget_increase"]


class MESStepLimit(RuntimeError):
    """The budget was raised `max_steps` times without MES settling (see `mes_by_budget_increase`)."""


class _Project:
    """One candidate of MES's tables: its supporters (voter indices) and their satisfactions.

    `sat` is the one satisfaction every supporter has (approval ballots: pabutools' `unique_sat_supporter`)
    or, when supporters differ, a dict voter index -> satisfaction. `supporters` is re-sorted in place
    each time the project is priced; the price does not depend on how equal keys are ordered.
    """

    __slots__ = ("project", "name", "cost", "total_sat", "start", "supporters", "sat", "by_voter")

    def __init__(self, project, supporters: list[int], sats: list, binary_sat: bool) -> None:
        self.project, self.name, self.cost, self.supporters = project, project.name, project.cost, supporters
        self.by_voter = not binary_sat
        self.sat = dict(zip(supporters, sats)) if self.by_voter else (sats[-1] if sats else None)


class _Tables:
    """MES's tables (pabutools' method_of_equal_shares_scheme set-up), built once for every budget."""

    def __init__(self, instance, sat_profile, start: list, binary_sat: bool) -> None:
        from pabutools.fractions import frac

        sats = list(sat_profile)
        self.multiplicity = [sat_profile.multiplicity(sat) for sat in sats]
        candidates = list(instance.difference(set(start)))
        supports = _supports(sats, {p.name: p for p in candidates})
        # MES orders a project's supporters by budget / satisfaction; when every supporter of every project
        # has the same satisfaction (approval ballots, cost or cardinality satisfaction), by budget alone.
        self.by_budget = all(len(set(found[1])) <= 1 for found in supports.values())
        self.projects: list[_Project] = []
        for p in candidates:
            voters, values = supports[p.name]
            total = sum((self.multiplicity[i] * v for i, v in zip(voters, values)), 0)
            if total > 0:
                if p.cost > 0:
                    project = _Project(p, voters, values, binary_sat)
                    project.total_sat, project.start = total, frac(p.cost, total)
                    self.projects.append(project)
                else:
                    start.append(p)


def _supports(sats: list, candidates: dict[str, Any]) -> dict[str, tuple[list[int], list]]:
    """(voter indices, satisfactions > 0) per candidate project name, voters in order.

    Only the projects a ballot mentions are asked: every satisfaction the importer uses (cost,
    cardinal, Borda) is 0 for a project the ballot does not mention. Cost satisfaction of a project
    the ballot mentions is pabutools' `int(project in ballot) * project.cost`, with the membership
    (a linear scan of the ballot) known to be true.
    """
    from pabutools.election import Cost_Sat

    found: dict[str, tuple[list[int], list]] = {name: ([], []) for name in candidates}
    for i, sat in enumerate(sats):
        by_cost = isinstance(sat, Cost_Sat)
        for q in sat.ballot:
            p = candidates.get(q.name)
            if p is not None and (indiv := 1 * p.cost if by_cost else sat.sat_project(p)) > 0:
                voters, values = found[p.name]
                voters.append(i)
                values.append(indiv)
    return found


def _price(p: _Project, budget: list, held: list, multiplicity: list, by_budget: bool) -> Any:
    """The project's affordability at these budgets: pabutools' scan, the same exact fraction.

    Supporters in order of budget / satisfaction; the first who can pay the equal share of what is left,
    (cost - contribution) / denominator times its satisfaction, fixes it. The test is made without the
    division (denominator > 0), the share is divided once.
    """
    from pabutools.fractions import frac

    sat_of = p.sat.__getitem__ if p.by_voter else (lambda i, s=p.sat: s)
    if by_budget:
        p.supporters.sort(key=budget.__getitem__)
    else:
        p.supporters.sort(key=lambda i: frac(budget[i], sat_of(i)))
    contribution, denominator = 0, p.total_sat
    for i in p.supporters:
        sat = sat_of(i)
        if (p.cost - contribution) * sat <= budget[i] * denominator:
            return frac(p.cost - contribution, denominator)
        contribution += held[i]
        denominator -= multiplicity[i] * sat
    raise AssertionError(f"MES could not price project {p.name} although its supporters hold its cost")


def _select(live: set, afford: dict, budget: list, held: list, tables: _Tables) -> tuple[Any, list]:
    """One MES round: the lowest affordability and the projects reaching it (pabutools' lazy pass).

    Affordabilities only rise as budgets fall, so projects are priced in order of their last price and
    the pass stops at one whose last price exceeds the best so far; projects whose supporters no longer
    hold their cost are dropped first.
    """
    best, tied = None, []
    for p in sorted(live, key=afford.__getitem__):
        if sum(map(held.__getitem__, p.supporters)) < p.cost:
            live.remove(p)
            continue
        if best is not None and afford[p] > best:
            break
        afford[p] = factor = _price(p, budget, held, tables.multiplicity, tables.by_budget)
        if best is None or factor < best:
            best, tied = factor, [p]
        elif factor == best:
            tied.append(p)
    return best, tied


def _charge(p: _Project, share, budget: list, held: list, multiplicity: list) -> None:
    """Each supporter pays `share` times its satisfaction, or all it has left (pabutools' update)."""
    price = None if p.by_voter else share * p.sat
    for i in p.supporters:
        b = budget[i]
        budget[i] = b = b - min(b, share * p.sat[i] if price is None else price)
        held[i] = multiplicity[i] * b


def _run_at(limit, n: int, tables: _Tables, start) -> Any:
    """MES's outcome when the budget is `limit`: pabutools' resolute `mes_inner_algo`, lexicographic ties."""
    from pabutools.fractions import frac
    from pabutools.rules.budgetallocation import BudgetAllocation

    multiplicity = tables.multiplicity
    budget = [frac(limit, n)] * len(multiplicity)
    held = [m * b for m, b in zip(multiplicity, budget)]
    live, afford = set(tables.projects), {p: p.start for p in tables.projects}
    outcome = deepcopy(BudgetAllocation(start))
    while True:
        best, tied = _select(live, afford, budget, held, tables)
        if not tied:
            return outcome
        chosen = min(tied, key=lambda p: p.name)
        live.remove(chosen)
        outcome.append(chosen.project)
        _charge(chosen, best, budget, held, multiplicity)


def mes_by_budget_increase(instance, profile, initial_budget_allocation=None, resoluteness: bool = True,
                           sat_class=None, plain: list | None = None, max_steps: int | None = None) -> Any:
    """`exhaustion_by_budget_increase(method_of_equal_shares, sat_class)` of pabutools, resolute, same result.

    Takes the arguments of a pabutools rule so `completion_by_rule_combination` can chain it.
    When `plain` is a list, the first step's outcome (plain MES at the real budget) is appended to it.
    `max_steps`: raise MESStepLimit rather than run more budget steps (a project whose few supporters
    weigh little among millions of counted ballots is funded only thousands of times the budget up).
    """
    from pabutools.election import AbstractApprovalProfile
    from pabutools.fractions import frac
    from pabutools.rules.budgetallocation import BudgetAllocation

    if not resoluteness:
        raise ValueError("mes_by_budget_increase is resolute only")
    start = BudgetAllocation(initial_budget_allocation or [])
    previous, n = copy(start), profile.num_ballots()
    if n == 0:
        return previous
    binary = isinstance(profile, AbstractApprovalProfile)
    tables = _Tables(instance, profile.as_sat_profile(sat_class=sat_class), start, binary)
    step, bound = instance.budget_limit * frac(1, 100), instance.budget_limit * (n + 1)
    limit = instance.budget_limit
    mentioned = {q for b in profile for q in b}      # MES never funds a project no ballot mentions
    steps = 0
    while limit <= bound:
        if max_steps is not None and steps >= max_steps:
            raise MESStepLimit(f"MES did not settle within {max_steps:,} budget steps of 1%")
        steps += 1
        outcome = _run_at(limit, n, tables, start)
        if plain is not None and not plain:
            plain.append(outcome)
        if not instance.is_feasible(outcome):
            return previous
        if instance.is_exhaustive(outcome) or mentioned <= set(outcome):
            return outcome        # every mentioned project funded: a larger budget cannot change the outcome
        limit, previous = limit + step, outcome
    return previous


def approval_election(costs, budget, approvals, multiplicity) -> tuple[Any, Any]:
    """A pabutools instance and approval multiprofile built from arrays.

    Item k is project `k` zero-padded (lexicographic tie-breaking = lower index first), costs and
    budget as exact fractions, ballot i counted multiplicity[i] times.
    """
    from fractions import Fraction

    from pabutools.election import ApprovalMultiProfile, FrozenApprovalBallot, Instance, Project

    width = len(str(len(costs)))
    projects = [Project(f"{k:0{width}d}", Fraction(float(c))) for k, c in enumerate(costs)]
    instance = Instance(projects, budget_limit=Fraction(float(budget)))
    profile = ApprovalMultiProfile(instance=instance)
    for row, m in zip(approvals, multiplicity):
        ballot = FrozenApprovalBallot(p for p, a in zip(projects, row) if a)
        profile[ballot] = profile.get(ballot, 0) + int(m)
    return instance, profile


def mes_approval(costs, budget, approvals, multiplicity, max_steps: int | None = None) -> list[int]:
    """Item indices MES selects (cost satisfaction, exhaustive by budget increase) on approval ballots.

    `approvals` (U, K) 0/1, `multiplicity` (U,) positive integers (a voter's weight); the same
    `mes_by_budget_increase` as the Pabulib import, before its greedy completion.
    """
    from pabutools.election import Cost_Sat

    instance, profile = approval_election(costs, budget, approvals, multiplicity)
    chosen = mes_by_budget_increase(instance, profile, sat_class=Cost_Sat, max_steps=max_steps)
    return sorted(int(p.name) for p in chosen)
