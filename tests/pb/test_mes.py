"""MES completed by budget increase (`sim.pb.mes`) equals pabutools' own, on every shipped file and synthetic ones.

The oracle is pabutools itself: `exhaustion_by_budget_increase(method_of_equal_shares)`, which
rebuilds MES's tables at every 1% step; ours builds them once and must give the same projects.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pabutools")

from pabutools.rules import exhaustion_by_budget_increase, method_of_equal_shares  # noqa: E402

from sim.pb.mes import mes_by_budget_increase  # noqa: E402
from sim.pb.pabulib import load_election  # noqa: E402
from sim.testing import synthetic_election  # noqa: E402
from tests.pb.test_pabulib_data import FILES  # noqa: E402


def _both(e) -> tuple[list[str], list[str]]:
    sat = e.sat("mes")
    theirs = exhaustion_by_budget_increase(e.instance, e.profile, method_of_equal_shares, {"sat_class": sat})
    ours = mes_by_budget_increase(e.instance, e.profile, sat_class=sat)
    return sorted(p.name for p in ours), sorted(p.name for p in theirs)


def _plain_both(e) -> tuple[list[str], list[str]]:
    """Plain MES: the first step of ours against pabutools' method_of_equal_shares."""
    sat, first = e.sat("mes"), []
    mes_by_budget_increase(e.instance, e.profile, sat_class=sat, plain=first)
    theirs = method_of_equal_shares(e.instance, e.profile, sat_class=sat)
    return sorted(p.name for p in (first[0] if first else [])), sorted(p.name for p in theirs)


@pytest.mark.slow
@pytest.mark.skipif(not FILES, reason="shared/data/pabulib not found")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_same_outcome_as_pabutools_on_shipped_files(path: Path) -> None:
    ours, theirs = _both(load_election(path))
    assert ours == theirs


@pytest.mark.skipif(not FILES, reason="shared/data/pabulib not found")
@pytest.mark.parametrize("path", [f for f in FILES if "gdansk" in f.name or "poznan" in f.name or "zabrze" in f.name],
                         ids=lambda p: p.stem)
def test_plain_mes_is_the_first_step(path: Path) -> None:
    ours, theirs = _plain_both(load_election(path))
    assert ours == theirs


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n_projects=st.integers(2, 12), n_voters=st.integers(1, 60),
       share=st.sampled_from([0.05, 0.2, 0.5, 0.9]))
def test_same_outcome_as_pabutools_on_synthetic_elections(tmp_path: Path, seed: int, n_projects: int,
                                                          n_voters: int, share: float) -> None:
    path = tmp_path / f"e{seed}.pb"
    path.write_text(synthetic_election(seed, n_projects, n_voters, budget_share=share), encoding="utf-8")
    election = load_election(path)
    ours, theirs = _both(election)
    assert ours == theirs
    ours, theirs = _plain_both(election)
    assert ours == theirs


def test_only_resolute() -> None:
    path = FILES[0] if FILES else None
    if path is None:
        pytest.skip("no shipped file")
    e = load_election(path)
    with pytest.raises(ValueError, match="resolute"):
        mes_by_budget_increase(e.instance, e.profile, resoluteness=False, sat_class=e.sat("mes"))


def _cardinal_election(seed: int):
    """A small random election whose supporters of a project value it differently (cardinal scores)."""
    import random
    from fractions import Fraction

    from pabutools.election import Additive_Cardinal_Sat, CardinalBallot, CardinalProfile, Instance, Project

    rng = random.Random(seed)
    projects = [Project(f"p{k}", Fraction(rng.randint(1, 20))) for k in range(rng.randint(3, 8))]
    instance = Instance(projects, budget_limit=Fraction(rng.randint(10, 40)))
    profile = CardinalProfile(instance=instance)
    for _ in range(rng.randint(2, 9)):
        profile.append(CardinalBallot({p: Fraction(rng.randint(1, 9)) for p in projects if rng.random() < 0.7}))
    return instance, profile, Additive_Cardinal_Sat


@pytest.mark.parametrize("seed", range(150))
def test_same_outcome_as_pabutools_when_supporters_value_a_project_differently(seed: int) -> None:
    """Supporters ordered by budget / satisfaction (not by budget alone: that shortcut is for equal satisfactions)."""
    instance, profile, sat = _cardinal_election(seed)
    theirs = exhaustion_by_budget_increase(instance, profile, method_of_equal_shares, {"sat_class": sat})
    ours = mes_by_budget_increase(instance, profile, sat_class=sat)
    assert sorted(p.name for p in ours) == sorted(p.name for p in theirs)
