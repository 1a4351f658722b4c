"""Hypothesis strategies for negsim's domain objects (needs the `testing` extra: hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from sim.testing.scenarios import random_scenario

__all__ = ["scenarios"]


@st.composite
def scenarios(draw: Any, max_items: int = 10, max_groups: int = 5, **kw: Any) -> Any:
    """A random valid scenario with 3..max_items items and 2..max_groups groups."""
    seed = draw(st.integers(0, 2**31 - 1))
    n_items = draw(st.integers(3, max_items))
    n_groups = draw(st.integers(2, max_groups))
    return random_scenario(seed, n_items, n_groups, **kw)
