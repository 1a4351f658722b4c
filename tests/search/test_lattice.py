"""Min columns on a lattice (issue 24, seventh session): when every group's utility is a multiple of 1/L at
every package, the max-min column is held to multiples of 1/L (an integer column). The optimum must not
move: checked against every feasible package, on rubrics whose values are and are not on a lattice."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import sim.search.milp as milp
from sim.core.rubric import build_rubric
from sim.search.enumeration import feasible_table
from sim.search.exact import optimise
from sim.testing import random_scenario


def test_lattice_is_the_least_common_denominator():
    A = np.array([[0.5, 1.0, -2.5], [1 / 3, 2 / 3, 0.0]])
    assert milp.lattice(A, np.zeros(2)) == 6
    assert milp.lattice(A, np.array([0.0, 0.25])) == 12           # the offsets count too
    assert milp.lattice(np.array([[1.0, 2.0], [3.0, -4.0]]), np.zeros(2)) == 1
    assert milp.lattice(A * (1 + 1e-13), np.zeros(2)) == 6           # float noise within 1e-9 relative


def test_no_lattice_without_small_denominators():
    assert milp.lattice(np.array([[math.sqrt(2), 1.0]]), np.zeros(1)) is None
    assert milp.lattice(np.array([[0.5, 1 / 1001]]), np.zeros(1)) is None      # above LATTICE_MAX_DEN
    primes = np.array([[1 / 997], [1 / 991], [1 / 983]])                    # lcm above LATTICE_MAX_SCALE
    assert milp.lattice(primes, np.zeros(3)) is None
    assert milp.lattice(primes[:2], np.zeros(2)) == 997 * 991


def _integer_columns(model: milp.PackageMILP) -> int:
    return sum(model.integer) - model.rubric.n_items


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("scale", [1.0, 0.5, math.sqrt(2)])
def test_maximin_equals_brute_force(seed, scale):
    """max min_g u_g by MILP equals the enumerated optimum, with the lattice column (rational values, halved
    values) and without it (irrational values); the column is added exactly when a lattice exists."""
    rubric = build_rubric(random_scenario(seed, 12 + seed % 5, 2 + seed % 4))
    V = rubric.values * scale
    rubric = dataclasses.replace(rubric, values=V)
    model = milp.PackageMILP(rubric)
    t = model.min_var(V, np.zeros(len(V)))
    assert _integer_columns(model) == (0 if scale == math.sqrt(2) else 1)
    x, value = model.solve((np.zeros(rubric.n_items), {t: 1.0}))
    best = float((feasible_table(rubric)[0] @ V.T).min(axis=1).max())
    assert value == pytest.approx(best, abs=1e-7)
    assert float((V @ x).min()) == pytest.approx(best, abs=1e-7)
    assert rubric.feasible(x)


@pytest.mark.parametrize("seed", range(6))
def test_maximin_and_offsets_equal_brute_force(seed):
    """Offsets b_g (a disagreement point) on a lattice of their own: the optimum of min_g (u_g - d_g) is kept."""
    rubric = build_rubric(random_scenario(seed, 14, 3))
    X, U = feasible_table(rubric)
    d = np.round(U.mean(axis=0) * 7) / 7                      # sevenths: a coarser lattice than the values'
    model = milp.PackageMILP(rubric)
    t = model.min_var(rubric.values, -d)
    assert _integer_columns(model) == 1
    x, value = model.solve((np.zeros(rubric.n_items), {t: 1.0}))
    assert value == pytest.approx(float((U - d).min(axis=1).max()), abs=1e-7)
    assert float((rubric.utilities(x) - d).min()) == pytest.approx(value, abs=1e-7)


@pytest.mark.parametrize("seed", range(6))
def test_maximin_objective_equals_enumeration(seed):
    """The maximin objective (first stage on the lattice, then total) gives the enumerated (worst, total)."""
    rubric = build_rubric(random_scenario(seed, 15, 4))
    by_milp = optimise(rubric, "maximin", method="milp")
    by_enum = optimise(build_rubric(random_scenario(seed, 15, 4)), "maximin", method="enumeration")
    assert by_milp.utilities.min() == pytest.approx(by_enum.utilities.min(), abs=1e-7)
    assert by_milp.utilities.sum() == pytest.approx(by_enum.utilities.sum(), abs=1e-7)
