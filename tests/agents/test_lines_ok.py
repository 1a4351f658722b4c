"""The vectorised red-lines check (agents.knowledge.lines_ok) against a brute-force check, package by package."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.knowledge import line_index, lines_ok


def _kept(package: list[int], utility: float, must: tuple, never: tuple, low: float | None, ids: list[str]) -> bool:
    """One group's red lines on one package, by hand: every must-have held, no never held, the minimum reached."""
    held = {ids[k] for k, bit in enumerate(package) if bit}
    return all(i in held for i in must) and not any(i in held for i in never) and (low is None or utility >= low - 1e-9)


@st.composite
def cases(draw):
    K, G, n = draw(st.integers(1, 6)), draw(st.integers(1, 4)), draw(st.integers(1, 6))
    ids = [f"item{k}" for k in range(K)]
    subset = st.lists(st.sampled_from(ids), max_size=K, unique=True).map(tuple)
    said = {g: SimpleNamespace(must_have=draw(subset), never=draw(subset),
                               min_utility=draw(st.none() | st.integers(0, 4).map(float)))
            for g in draw(st.lists(st.integers(0, G - 1), max_size=G, unique=True))}
    C = np.array(draw(st.lists(st.lists(st.integers(0, 1), min_size=K, max_size=K), min_size=n, max_size=n)),
                 dtype=np.int8)
    U = np.array(draw(st.lists(st.lists(st.integers(0, 4).map(float), min_size=G, max_size=G),
                               min_size=n, max_size=n)))
    return ids, said, C, U


@settings(max_examples=300, deadline=None)
@given(cases())
def test_lines_ok_matches_a_package_by_package_check(case):
    ids, said, C, U = case
    rub = SimpleNamespace(item_index={i: k for k, i in enumerate(ids)})
    got = lines_ok(line_index(rub, list(said.items())), C, U)
    want = np.ones(U.shape, dtype=bool)
    for j, package in enumerate(C.tolist()):
        for g, s in said.items():
            want[j, g] = _kept(package, U[j, g], s.must_have, s.never, s.min_utility, ids)
    assert got.tolist() == want.tolist()


def test_lines_ok_by_hand():
    rub = SimpleNamespace(item_index={"a": 0, "b": 1, "c": 2})
    lines = line_index(rub, [(0, SimpleNamespace(must_have=("a",), never=("c",), min_utility=None)),
                             (1, SimpleNamespace(must_have=(), never=(), min_utility=2.0))])
    C = np.array([[1, 0, 0], [1, 0, 1], [0, 1, 0]], dtype=np.int8)
    U = np.array([[0.0, 2.0], [5.0, 1.0], [9.0, 9.0]])
    assert lines_ok(lines, C, U).tolist() == [[True, True], [False, False], [False, True]]
