"""The import's satisfaction totals and MES at one budget, against pabutools on small elections.

`sim.pb.pabulib._sat_profile` sums each project's satisfaction over the ballots that mention it; the
oracle is pabutools' own `total_satisfaction_project`, which asks every ballot. `sim.pb.mes` prices and
charges MES's projects itself; the oracle is pabutools' `method_of_equal_shares` at the same budget, on
elections built to tie (equal costs, few voters) and on elections whose supporters value a project
differently.
"""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest

pytest.importorskip("pabutools")

from pabutools.election import (  # noqa: E402
    ApprovalBallot,
    ApprovalProfile,
    CardinalBallot,
    CardinalProfile,
    Instance,
    OrdinalBallot,
    OrdinalProfile,
    Project,
)
from pabutools.rules import method_of_equal_shares  # noqa: E402

from sim.pb.mes import mes_by_budget_increase  # noqa: E402
from sim.pb.pabulib import _sat_profile, load_election  # noqa: E402
from tests.pb.test_pabulib_data import FILES  # noqa: E402

SMALL = [f for f in FILES if any(k in f.name for k in ("gdansk", "krakow", "nadwisle"))]  # cumulative, ordinal, approval


def _write(tmp_path: Path, kind: str, seed: int) -> Path:
    """A small .pb file of `kind` votes, duplicate ballots included (merged by the multiprofile)."""
    rng = random.Random(seed)
    k = rng.randint(2, 7)
    costs = [rng.choice([10, 10, 20, 35]) for _ in range(k)]
    lines = ["META", "key;value", "description;t", "country;Nowhere", "unit;T", "instance;1",
             f"num_projects;{k}", "num_votes;0", f"budget;{sum(costs) // 2}", f"vote_type;{kind}",
             "max_length;3", "PROJECTS", "project_id;cost"] + [f"p{j};{c}" for j, c in enumerate(costs)]
    lines += ["VOTES", "voter_id;vote;points"]
    for v in range(rng.randint(1, 25)):
        chosen = rng.sample(range(k), rng.randint(1, min(3, k)))
        points = ",".join(str(rng.randint(1, 4)) for _ in chosen)
        lines.append(f"v{v};{','.join(f'p{j}' for j in chosen)};{points}")
    path = tmp_path / f"{kind}{seed}.pb"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _check_totals(e) -> None:
    for role in ("points", "greedy"):
        ours = _sat_profile(e, role)
        theirs = e.profile.as_sat_profile(sat_class=e.sat(role))
        for p in e.instance:
            assert ours.total_satisfaction_project(p) == theirs.total_satisfaction_project(p), (role, p.name)


@pytest.mark.parametrize("path", SMALL, ids=lambda p: p.stem)
def test_totals_equal_pabutools_on_shipped_files(path: Path) -> None:
    _check_totals(load_election(path))


@pytest.mark.parametrize("kind", ["approval", "cumulative", "ordinal"])
@pytest.mark.parametrize("seed", range(8))
def test_totals_equal_pabutools_on_small_files(tmp_path: Path, kind: str, seed: int) -> None:
    e = load_election(_write(tmp_path, kind, seed))
    assert e.vote_type == kind
    _check_totals(e)


def _tied_election(seed: int, kind: str):
    """Few voters, equal costs and equal scores: many projects tie on affordability."""
    rng = random.Random(seed)
    projects = [Project(f"p{k}", Fraction(rng.choice([6, 6, 6, 12]))) for k in range(rng.randint(2, 7))]
    instance = Instance(projects, budget_limit=Fraction(rng.randint(6, 40)))
    if kind == "approval":
        profile = ApprovalProfile(instance=instance)
        for _ in range(rng.randint(1, 8)):
            profile.append(ApprovalBallot(p for p in projects if rng.random() < 0.5))
    elif kind == "cardinal":
        profile = CardinalProfile(instance=instance)
        for _ in range(rng.randint(1, 8)):
            profile.append(CardinalBallot({p: Fraction(rng.choice([1, 2, 4])) for p in projects
                                           if rng.random() < 0.6}))
    else:
        profile = OrdinalProfile(instance=instance)
        for _ in range(rng.randint(1, 8)):
            profile.append(OrdinalBallot(rng.sample(projects, rng.randint(1, len(projects)))))
    return instance, profile


SATS = {"approval": "Cost_Sat", "cardinal": "Additive_Cardinal_Sat", "ordinal": "Additive_Borda_Sat"}


@pytest.mark.parametrize("kind", list(SATS))
@pytest.mark.parametrize("seed", range(40))
def test_mes_at_each_budget_equals_pabutools(seed: int, kind: str) -> None:
    """Plain MES (the first budget step) at several budgets, selection order included."""
    import pabutools.election as election

    instance, profile = _tied_election(seed, kind)
    sat = getattr(election, SATS[kind])
    for limit in (instance.budget_limit, instance.budget_limit * Fraction(3, 2), Fraction(7), Fraction(60)):
        instance.budget_limit = limit
        first: list = []
        mes_by_budget_increase(instance, profile.as_multiprofile(), sat_class=sat, plain=first)
        theirs = method_of_equal_shares(instance, profile, sat_class=sat)
        assert [p.name for p in (first[0] if first else [])] == [p.name for p in theirs], limit
