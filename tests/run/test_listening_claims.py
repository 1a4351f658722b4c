"""Claims over seeds of issue 19 (a mediator that listens), under private information on every shipped scenario.

Under the default belief (item_values+decisions+ideal, agents.beliefs.DEFAULT_BELIEF since issue 19's eighth
follow-up, second part) and the weights-only belief it replaced, both named explicitly. Held (tests): no group is
better off silent by more than 2 paired standard errors (30 seeds; under the item-value belief since the eighth
follow-up); exaggeration (k = 2 and k = 4) pays for at most 3 of the shipped groups. The incentive claims are tests
for the default belief only since the ninth session (the weights run of the same 1,440 negotiations cost about
100 CPU-s of the suite for a belief no run uses unless asked; `benchmarks/bench_incentives.py --beliefs weights`
measures it). Measured
(benchmarks/bench_incentives.py, seeds 0-29, 23 groups; pays / truth pays / neither): weights silent
0 / 8 / 15, exaggerate:2 1 / 1 / 21, exaggerate:4 2 / 2 / 19; item values silent 0 / 13 / 10, exaggerate:2
2 / 3 / 18, exaggerate:4 1 / 6 / 16 (main 3ffa87e: silent 1 / 12 / 10, park ecology volunteers +0.941,
se 0.306). The mean worst group (seeds 0-19) is within 5% of the omniscient mediator's on
park_renovation, pb_neighbourhood and tiny_example under both;
tiny_example with every group silent agrees in 19 of 20 under both beliefs (seventh follow-up).
Not held (strict xfails with the figures; see docs/private-information.md): montreal_streets' mean worst
group (weights 89.6%, item values 89.8% of the omniscient mediator's; ninth and tenth follow-ups: the belief, not
the candidate pool, is what the gap is left on) and the vote to beat on every
shipped scenario except pb_neighbourhood under the item-value belief (8.17 / 66.27 vs 8.07 / 67.66: held).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from agents.beliefs import belief_settings
from sim.analysis.incentives import counts, incentive_table
from sim.core.context import make_context
from sim.core.scenario import load_scenario
from sim.run.runner import RunConfig, run_negotiation
from tests.conftest import ROOT

SHIPPED = ("montreal_streets", "park_renovation", "pb_neighbourhood", "tiny_example")
SEEDS = list(range(30))
IV = "item_values+decisions+ideal"   # the item-value belief, the default since issue 19's eighth follow-up
WEIGHTS = "weights"                  # the weights-only belief (the default before), still selectable
pytestmark = pytest.mark.slow


def _ctx(name: str, information: str = "private"):
    return make_context(load_scenario(ROOT / "scenarios" / f"{name}.yaml"), information=information)


@pytest.fixture(scope="module")
def incentives() -> list:
    """Own utility truthful vs silent vs exaggerate:2/4, 30 paired seeds, every shipped scenario, the default belief
    (named, so a change of default does not silently change what is claimed)."""
    mediator = {"beliefs": belief_settings(IV)}
    rows = []
    for name in SHIPPED:
        rows += incentive_table(_ctx(name), SEEDS, ["silent", "exaggerate:2", "exaggerate:4"], mediator=mediator)
    return rows


def test_no_group_is_better_off_silent(incentives):
    """Item values: park ecology volunteers +0.941 (se 0.306) on main 3ffa87e; +0.641 (se 0.433) since objections
    are read on the highest plausible best utility and refused drafts graded (docs, eighth follow-up)."""
    paying = [(r.group, round(r.mean, 3), round(r.se, 3)) for r in incentives
              if r.deviation == "silent" and r.verdict == "deviation pays"]
    assert not paying, paying


@pytest.mark.parametrize("deviation", ["exaggerate:2", "exaggerate:4"])
def test_exaggeration_pays_for_at_most_three_shipped_groups(incentives, deviation):
    c = counts(incentives, deviation)
    assert c["deviation pays"] <= 3, c


def _mean_worst(name: str, information: str, voice: str = "truthful", beliefs: str | None = None) -> tuple[float, int]:
    ctx = _ctx(name, information)
    options = {"beliefs": belief_settings(beliefs)} if beliefs else {}   # None: the omniscient mediator's runs
    runs = [run_negotiation(ctx, RunConfig(seed=s, voice=voice, mediator_options=options)) for s in range(20)]
    worst = np.array([ctx.rubric.utilities(r.outcome.package).min() for r in runs])
    return float(worst.mean()), sum(r.outcome.agreement for r in runs)


WORST_XFAIL = pytest.mark.xfail(strict=True, reason=(
    "measured: 5.223 (se 0.100) vs omniscient 5.819 (se 0.044), 89.8%, on seeds 0-19 under the item-value belief. "
    "Ninth and tenth follow-ups: candidates and grading cannot close it (the believed-maximin optimum predicted to "
    "pass reaches 92.7%, breaks tiny's Pareto line). Eleventh: the belief underrates the omniscient package's worst "
    "group by 1.06 (se 0.10); with the same rows and weights fixed, the exact posterior (elliptical slice sampling) "
    "underrates it by 0.60 (0.15) and the single filtering pass by a further 0.27 (0.04), driven by true one-sided "
    "objection reservations. Expectation propagation (+ep) matches the exact posterior (-0.007, se 0.028) and "
    "reaches 5.293 (se 0.045), 91.0%, but silence then pays for montreal merchants and park's worst falls 0.41 "
    "(se 0.22): not the default. Twelfth: the private-effect scale learned per group (+scale, a 1/4..4 grid "
    "averaged by marginal likelihood) cuts that error to -0.47 (0.20) and reaches 5.348 (se 0.064), 91.9%; even "
    "its type-II maximum-likelihood variant, whose error is +0.03 (0.14), reaches only 5.285 (90.8%): past the "
    "belief, the gap is in the negotiation; +scale makes silence pay on park and park's worst fall 0.98 (0.25). "
    "Thirteenth (benchmarks/bench_oracle.py): with the true values as the belief the private protocol reaches "
    "5.286 (90.8%) in every seed, also with the omniscient pool or stated reservations as thresholds"))


WEIGHTS_WORST_XFAIL = pytest.mark.xfail(strict=True, reason=(
    "measured: private 5.216 vs omniscient 5.819 (89.6%) on seeds 0-19 with the weights belief: a belief over "
    "criterion weights misses the private group_effects of the worst-off groups"))


@cache
def _omniscient_worst(name: str) -> float:
    """The omniscient mediator's mean worst group (seeds 0-19), shared by every belief's claim."""
    return _mean_worst(name, "full")[0]


@pytest.mark.parametrize("name,beliefs", [
    pytest.param("montreal_streets", IV, marks=WORST_XFAIL),
    *[(n, IV) for n in SHIPPED[1:]],
    pytest.param("montreal_streets", WEIGHTS, marks=WEIGHTS_WORST_XFAIL),
    *[(n, WEIGHTS) for n in SHIPPED[1:]],
])
def test_the_mean_worst_group_is_within_five_percent_of_the_omniscient_mediators(name, beliefs):
    private, _ = _mean_worst(name, "private", beliefs=beliefs)
    full = _omniscient_worst(name)
    assert private >= 0.95 * full, f"private {private:.3f} vs full {full:.3f}"


@pytest.mark.parametrize("beliefs", [IV, WEIGHTS])
def test_tiny_example_agrees_when_every_group_is_silent(beliefs):
    """In the last round a twice-refused draft predicted to pass is tabled rather than one predicted to fail.

    Measured (seeds 0-19): weights 19 of 20 (16 before the last-round rule), item values 19 (18 before).
    """
    _, agreed = _mean_worst("tiny_example", "private", "silent", beliefs)
    assert agreed >= 18, f"{agreed} of 20"


TINY_PARETO_XFAIL = pytest.mark.xfail(strict=True, reason=(
    "measured with the weights belief, seeds 0-19: 0 of 20 (every run ends on ramp + trees + mural, 9.75, which "
    "ramp + trees + bench dominates): a belief that learns nothing from decisions cannot tell which draft "
    "addresses a twice-made objection, so the refused draft is only set aside (docs, fourth and eighth follow-ups)"))


@pytest.mark.parametrize("beliefs", [IV, pytest.param(WEIGHTS, marks=TINY_PARETO_XFAIL)])
def test_tiny_example_ends_pareto_optimal_in_most_seeds(beliefs):
    """Under a belief that learns from decisions a twice-refused draft is replaced by one addressing the objection.

    Measured (seeds 0-19, item values): 20 of 20 Pareto-optimal (ramp + trees + bench), total 10.500, worst
    group 3.000 (1 of 20 and 9.787 before the graded rule: docs/private-information.md, eighth follow-up).
    """
    ctx = _ctx("tiny_example")
    runs = [run_negotiation(ctx, RunConfig(seed=s, mediator_options={"beliefs": belief_settings(beliefs)}))
            for s in range(20)]
    optimal = sum(r.pareto_optimal for r in runs)
    assert optimal > 10, f"{optimal} of 20"


def _vote_to_beat(name: str, beliefs: str) -> tuple[float, float, float, float]:
    """Mean negotiated worst group and total over seeds 0-19, and the best one-shot vote's (seed-free)."""
    ctx, options = _ctx(name), {"beliefs": belief_settings(beliefs)}
    votes = [run_negotiation(ctx, RunConfig(seed=s, mediator_options=options)).benchmark["votes"] for s in range(20)]
    best = votes[0]["ballots"][votes[0]["best"]]
    return (float(np.mean([v["negotiated"]["worst_group"] for v in votes])),
            float(np.mean([v["negotiated"]["total"] for v in votes])), best["worst_group"], best["total"])


def _vote_xfail(figures: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"measured on seeds 0-19 (negotiated vs best vote, worst / total): {figures}")


VOTE_XFAILS = {   # (scenario, belief): the figures and why the vote is not beaten
    ("montreal_streets", IV): _vote_xfail("5.22 / 65.28 vs 5.57 / 68.57 (knapsack ballots, Method of Equal Shares): "
                                          "the omniscient mediator reaches 5.82 / 65.31, so the worst group is what "
                                          "the belief misses; not even it reaches the vote's total (the "
                                          "tenth follow-up's believed optimum predicted to pass, not kept: "
                                          "5.40 / 63.31)"),
    ("montreal_streets", WEIGHTS): _vote_xfail("5.22 / 64.86 vs 5.57 / 68.57, as under the item-value belief"),
    ("park_renovation", IV): _vote_xfail("6.32 / 45.02 vs 6.40 / 44.84 (approval of 3, best package by votes): the "
                                         "total is met, the worst group 0.08 short; the omniscient mediator reaches "
                                         "5.40 / 46.98, so a maximin negotiation over these drafts does not reach that "
                                         "vote's worst group even with true values"),
    ("park_renovation", WEIGHTS): _vote_xfail("5.58 / 43.88 vs 6.40 / 44.84, as under the item-value belief"),
    ("pb_neighbourhood", WEIGHTS): _vote_xfail("7.95 / 66.70 vs 8.07 / 67.66 (knapsack ballots, best package by "
                                               "votes); the omniscient mediator reaches 8.29 / 67.01, so the gap is "
                                               "what the belief misses (item values: 8.17 / 66.27, held)"),
    ("tiny_example", IV): _vote_xfail("3.00 / 10.50 vs 2.50 / 13.17: only the vote's own package meets the total "
                                      "(tests/run/test_votes.py), a worst-off-first mediator gives total for worst group"),
    ("tiny_example", WEIGHTS): _vote_xfail("3.00 / 9.75 vs 2.50 / 13.17, as under the item-value belief"),
}


@pytest.mark.parametrize("name,beliefs", [
    pytest.param(n, b, marks=VOTE_XFAILS[n, b]) if (n, b) in VOTE_XFAILS else (n, b) for b in (IV, WEIGHTS) for n in SHIPPED])
def test_the_negotiation_beats_the_best_one_shot_vote(name, beliefs):
    """Issue 19's vote to beat: mean worst group at least the best vote's, mean total within 3% of its total."""
    worst, total, vote_worst, vote_total = _vote_to_beat(name, beliefs)
    assert worst >= vote_worst - 1e-9 and total >= 0.97 * vote_total, \
        f"negotiated {worst:.3f} / {total:.2f} vs best vote {vote_worst:.3f} / {vote_total:.2f}"
