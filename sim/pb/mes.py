"""MES completed by budget increase, as pabutools computes it, with MES's tables built once.

pabutools' `exhaustion_by_budget_increase` re-runs `method_of_equal_shares` with the budget
raised by 1% a step, until an outcome is exhaustive (returned) or breaks the real budget (the
previous one is returned). Each run rebuilds MES's voter and project tables, one satisfaction
call per (ballot, project): 94% of a city import. Here the tables are built once and only MES's
inner algorithm runs per step, with the same exact fractions, the same stop rules and pabutools'
lexicographic tie-breaking, so the outcome is identical (checked against pabutools in tests).

The second module that imports `pabutools` (beside `sim.pb.pabulib`), always inside functions.
"""

from __future__ import annotations

from copy import copy, deepcopy
from typing import Any

__all__ = ["MESStepLimit", "approval_election", "mes_approval", "mes_by_budget_increase"]


class MESStepLimit(RuntimeError):
    """The budget was raised `max_steps` times without MES settling (see `mes_by_budget_increase`)."""


class _KnownSat:
    """A voter's satisfaction, looked up by the identity of the tables' own MES projects.

    pabutools hashes each project by its name (a Python call) on every look-up, millions of times
    in a city election; the tables' projects live as long as the tables, so their ids are stable.
    Any other project goes to pabutools' own satisfaction object.
    """

    __slots__ = ("known", "sat")

    def __init__(self, sat) -> None:
        self.sat, self.known = sat, {}

    def sat_project(self, project) -> Any:
        value = self.known.get(id(project))
        return self.sat.sat_project(project) if value is None else value


def _voter_class():
    from pabutools.fractions import frac
    from pabutools.rules.mes.mes_rule import MESVoter

    class FastVoter(MESVoter):
        """MESVoter without the (project, budget) memo: an exact division is cheaper than hashing both.

        MES uses budget / satisfaction only to order a project's supporters; when every supporter of every
        project has the same satisfaction (`by_budget`: approval ballots with cost or cardinality
        satisfaction), the budget alone gives the same order, ties included, without a division.
        """

        by_budget = False

        def budget_over_sat_project(self, proj) -> Any:
            return self.budget if self.by_budget else frac(self.budget, self.sat.sat_project(proj))

    return FastVoter


def _supports(voters: list, candidates: dict[str, Any]) -> dict[str, list[tuple[int, Any]]]:
    """(voter index, satisfaction > 0) per candidate project name, voters in order.

    Only the projects a ballot mentions are asked: every satisfaction the importer uses (cost,
    cardinal, Borda) is 0 for a project the ballot does not mention. Cost satisfaction of a project
    the ballot mentions is pabutools' `int(project in ballot) * project.cost`, with the membership
    (a linear scan of the ballot) known to be true.
    """
    from pabutools.election import Cost_Sat

    found: dict[str, list[tuple[int, Any]]] = {name: [] for name in candidates}
    for i, v in enumerate(voters):
        by_cost = isinstance(v.sat.sat, Cost_Sat)
        for q in v.ballot:
            p = candidates.get(q.name)
            if p is not None and (indiv := 1 * p.cost if by_cost else v.sat.sat_project(p)) > 0:
                found[p.name].append((i, indiv))
    return found


def _tables(instance, sat_profile, budget_per_voter, start, binary_sat: bool) -> tuple[list, set]:
    """MES's voters and supported projects (pabutools' method_of_equal_shares_scheme set-up)."""
    from pabutools.fractions import frac
    from pabutools.rules.mes.mes_rule import MESProject

    voter = _voter_class()
    voters = [voter(i, sat.ballot, _KnownSat(sat), budget_per_voter, sat_profile.multiplicity(sat))
              for i, sat in enumerate(sat_profile)]
    candidates = list(instance.difference(set(start)))
    supports = _supports(voters, {p.name: p for p in candidates})
    if all(len({indiv for _, indiv in found}) <= 1 for found in supports.values()):
        for v in voters:
            v.by_budget = True
    projects = set()
    for p in candidates:
        mes_p, total = MESProject(p), 0
        for i, indiv in supports[p.name]:
            v = voters[i]
            v.sat.known[id(mes_p)] = indiv
            total += v.multiplicity * indiv
            mes_p.supporter_indices.append(i)
            if binary_sat:
                mes_p.unique_sat_supporter = indiv
            else:
                mes_p.sat_supporter_map[v] = indiv
        if total > 0:
            if p.cost > 0:
                mes_p.total_sat = total
                mes_p.initial_affordability = mes_p.affordability = frac(p.cost, total)
                projects.add(mes_p)
            else:
                start.append(p)
    return voters, projects


def _run_at(limit, n: int, tables: tuple[list, set], current, profile, start) -> Any:
    """MES's outcome when the budget is `limit` (voter budgets and affordabilities reset)."""
    from pabutools.fractions import frac
    from pabutools.rules.budgetallocation import BudgetAllocation
    from pabutools.rules.mes.mes_rule import mes_inner_algo
    from pabutools.tiebreaking import lexico_tie_breaking

    voters, projects = tables
    for v in voters:
        v.budget = frac(limit, n)
    for p in projects:
        p.affordability = p.initial_affordability
    current.budget_limit = limit
    found: list = []
    mes_inner_algo(current, profile, voters, copy(projects), lexico_tie_breaking,
                   deepcopy(BudgetAllocation(start)), found, True)
    return found[0]


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
    tables = _tables(instance, profile.as_sat_profile(sat_class=sat_class),
                     frac(instance.budget_limit, n), start, binary)
    step, bound = instance.budget_limit * frac(1, 100), instance.budget_limit * (n + 1)
    limit, current = instance.budget_limit, deepcopy(instance)
    mentioned = {q for b in profile for q in b}      # MES never funds a project no ballot mentions
    steps = 0
    while limit <= bound:
        if max_steps is not None and steps >= max_steps:
            raise MESStepLimit(f"MES did not settle within {max_steps:,} budget steps of 1%")
        steps += 1
        outcome = _run_at(limit, n, tables, current, profile, start)
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
