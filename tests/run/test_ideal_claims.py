"""Claims over seeds for the opt-in belief item_values+decisions+ideal (docs/private-information.md, third follow-up).

Held (tests): under private information on every shipped scenario no group is better off silent by
more than 2 paired standard errors and exaggeration (k = 2, 4) pays for at most 3 of the 23 groups
(seeds 0-29; measured: silence pays 0 / truth pays 14, exaggerate:2 pays 2, exaggerate:4 pays 1);
the mean worst group (seeds 0-19) is within 5% of the omniscient mediator's on park_renovation,
pb_neighbourhood and tiny_example (106.3%, 95.6%, 100%). Not held (strict xfail): montreal_streets,
93.0%.
"""

from __future__ import annotations

import numpy as np
import pytest

from agents.beliefs import belief_settings
from sim.analysis.incentives import counts, incentive_table
from sim.core.context import make_context
from sim.core.scenario import load_scenario
from sim.run.runner import RunConfig, run_negotiation
from tests.conftest import ROOT

SHIPPED = ("montreal_streets", "park_renovation", "pb_neighbourhood", "tiny_example")
BELIEF = "item_values+decisions+ideal"
pytestmark = pytest.mark.slow


def _ctx(name: str, information: str = "private"):
    return make_context(load_scenario(ROOT / "scenarios" / f"{name}.yaml"), information=information)


@pytest.fixture(scope="module")
def incentives() -> list:
    mediator = {"beliefs": belief_settings(BELIEF)}
    rows = []
    for name in SHIPPED:
        rows += incentive_table(_ctx(name), list(range(30)), ["silent", "exaggerate:2", "exaggerate:4"],
                                mediator=mediator)
    return rows


def test_no_group_is_better_off_silent(incentives):
    paying = [(r.group, round(r.mean, 3), round(r.se, 3)) for r in incentives
              if r.deviation == "silent" and r.verdict == "deviation pays"]
    assert not paying, paying


@pytest.mark.parametrize("deviation", ["exaggerate:2", "exaggerate:4"])
def test_exaggeration_pays_for_at_most_three_shipped_groups(incentives, deviation):
    assert counts(incentives, deviation)["deviation pays"] <= 3, counts(incentives, deviation)


def _mean_worst(name: str, information: str) -> float:
    ctx = _ctx(name, information)
    options = {"beliefs": belief_settings(BELIEF)} if information == "private" else {}
    runs = [run_negotiation(ctx, RunConfig(seed=s, mediator_options=options)) for s in range(20)]
    return float(np.mean([ctx.rubric.utilities(r.outcome.package).min() for r in runs]))


MONTREAL = pytest.param("montreal_streets", marks=pytest.mark.xfail(strict=True, reason=(
    "measured: 5.413 vs omniscient 5.819 (93.0%) on seeds 0-19; item_values+decisions without +ideal 93.3%, "
    "the default weights belief 89.6%")))


@pytest.mark.parametrize("name", [MONTREAL, *SHIPPED[1:]])
def test_the_mean_worst_group_is_within_five_percent_of_the_omniscient_mediators(name):
    private, full = _mean_worst(name, "private"), _mean_worst(name, "full")
    assert private >= 0.95 * full, f"private {private:.3f} vs full {full:.3f}"
