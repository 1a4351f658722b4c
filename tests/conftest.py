"""Shared fixtures; random scenarios and strategies come from the testing kit (sim.testing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.core.scenario import load_scenario
from sim.testing.scenarios import random_scenario, random_scenario_dict  # noqa: F401  (re-exported)
from sim.testing.strategies import scenarios  # noqa: F401  (re-exported)

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny.yaml"


@pytest.fixture
def tiny():
    """The tiny test scenario (tests/data/tiny.yaml)."""
    return load_scenario(TINY)
