"""Claims over seeds about private information (30 seeds each; effect and spread printed on failure).

Two claims of issue 12 did NOT hold for the rule agents on the default scenario as built; they were
kept as strict xfails so that they fail loudly the day they start to hold (and get promoted).
Since issue 19 (predicted support from binding decisions, not stated reservations) silence costs
car_commuters under private information with the weights-only belief too: +0.155 (sd 0.558, se
0.102; full: -0.024, se 0.051), and +0.461 (se 0.091) with private effects; promoted to a test.
Ranking still does not raise the worst group (strict xfail). The text below is from before issue 19.
The seeds are those of scenarios/sweeps/voice.yaml (the table of docs/private-information.md); on seeds 0-29 the ranking
effect has the other sign (+0.01), i.e. it is within the noise either way:
- silence costs the worst-off group (car_commuters) under private information;
- ranking (elicitation rank:3) raises the mean worst-group utility.
The scenario was not tuned to make them pass. Why (docs/private-information.md, "Why silence is free here"): the belief
learns criterion weights on public effects while car_commuters' utility comes largely from private
group_effects, so the mediator overestimates it (+1.07 truthful, +2.72 silent) and never sees it as
the worst off; runs end by agreement on the concession clock.

With the opt-in belief over private item effects (`BeliefSettings(private_effects=True)`, designed
before it was measured here, no parameter tuned) silence costs car_commuters +0.248 under private
(sd 0.708, se 0.129 over the 30 seeds: about 1.9 standard errors) and changes it by 0.024 under
full, so that claim holds for it (a normal test below); ranking still does not raise the worst
group (-0.023, se 0.097): strict xfail.

Every claim here is about the weights-only and private-effects beliefs, named explicitly since the
item-value belief became the default (issue 19, eighth follow-up, second part). Under the default, on
these 30 seeds, families are the worst off on average (5.538 vs cyclists 6.060), and on tiny_example its
mean belief error falls in 22 of 30 runs (mean change -0.083, se 0.022), so the 90% claim below would
not hold for it there; on the other shipped scenarios it falls in every run (montreal -0.927, park
-1.090, pb -1.397, se <= 0.029).
"""

from __future__ import annotations

import numpy as np
import pytest

from agents.beliefs import BeliefSettings
from sim.core.context import make_context
from sim.core.scenario import load_scenario
from sim.run.runner import RunConfig, run_negotiation
from sim.run.sweep.spec import load_sweep, spawn_run_seeds
from tests.conftest import ROOT

DEFAULT = ROOT / "scenarios/montreal_streets.yaml"
# the 30 run seeds of scenarios/sweeps/voice.yaml, so the tests and the table of docs/private-information.md agree
SEEDS = spawn_run_seeds(load_sweep(ROOT / "scenarios/sweeps/voice.yaml"))
WORST_OFF = "car_commuters"          # lowest mean utility when everyone speaks truthfully under private
SHIPPED = ("montreal_streets", "park_renovation", "pb_neighbourhood", "tiny_example")


PRIVATE_EFFECTS = {"beliefs": BeliefSettings(private_effects=True)}
WEIGHTS = {"beliefs": "weights"}     # the weights-only belief these claims were made about (the default until issue 19)


def _utilities(ctx, voice: str = "truthful", mediator: dict | None = None) -> np.ndarray:
    runs = [run_negotiation(ctx, RunConfig(seed=s, voice=voice, mediator_options=mediator or {})) for s in SEEDS]
    return np.array([ctx.rubric.utilities(r.outcome.package) for r in runs])


def _effect(a: np.ndarray, b: np.ndarray) -> str:
    d = a - b
    return f"mean difference {d.mean():+.3f} (sd {d.std():.3f}, se {d.std() / np.sqrt(len(d)):.3f}, n {len(d)})"


def test_the_worst_off_group_is_the_one_the_sweep_silences():
    ctx = make_context(load_scenario(DEFAULT))
    mean = _utilities(ctx, mediator=WEIGHTS).mean(axis=0)
    assert ctx.rubric.group_ids[int(np.argmin(mean))] == WORST_OFF, dict(zip(ctx.rubric.group_ids, mean.round(3)))


WEIGHTS_ONLY = pytest.param(WEIGHTS, id="weights_only")   # a strict xfail before issue 19's support model


@pytest.mark.parametrize("mediator", [WEIGHTS_ONLY, pytest.param(PRIVATE_EFFECTS, id="private_effects")])
def test_silence_costs_the_worst_off_group_under_private_more_than_under_full(mediator):
    s = load_scenario(DEFAULT)
    diffs = {}
    for information in ("private", "full"):
        ctx = make_context(s, information=information)
        g = ctx.rubric.group_index[WORST_OFF]
        truthful = _utilities(ctx, mediator=mediator)[:, g]
        silent = _utilities(ctx, f"truthful,{WORST_OFF}=silent", mediator)[:, g]
        diffs[information] = (truthful, silent)
        print(information, _effect(truthful, silent))
    cost = diffs["private"][0].mean() - diffs["private"][1].mean()
    full_change = abs(diffs["full"][0].mean() - diffs["full"][1].mean())
    assert cost > 0, f"silence costs {cost:+.3f} under private ({_effect(*diffs['private'])})"
    assert full_change < cost, f"under full silence changes it by {full_change:.3f}, under private by {cost:.3f}"


@pytest.mark.xfail(strict=True,
                   reason="measured: rank:3 does not raise the mean worst group here (see docs/private-information.md)")
@pytest.mark.parametrize("mediator", [WEIGHTS, PRIVATE_EFFECTS], ids=["weights_only", "private_effects"])
def test_ranking_raises_the_mean_worst_group_on_the_default_scenario(mediator):
    s = load_scenario(DEFAULT)
    without = _utilities(make_context(s), mediator=mediator).min(axis=1)
    ranked = _utilities(make_context(s, elicitation="rank:3"), mediator=mediator).min(axis=1)
    assert ranked.mean() > without.mean(), _effect(ranked, without)


@pytest.mark.parametrize("mediator", [WEIGHTS, PRIVATE_EFFECTS], ids=["weights_only", "private_effects"])
@pytest.mark.parametrize("name", SHIPPED)
def test_beliefs_learn_on_every_shipped_scenario(name, mediator):
    """The mediator's belief error after the last round is below its error before anyone spoke, over 30 seeds."""
    ctx = make_context(load_scenario(ROOT / "scenarios" / f"{name}.yaml"))
    before, after = [], []
    for seed in SEEDS:
        b = run_negotiation(ctx, RunConfig(seed=seed, mediator_options=mediator or {})).benchmark
        before.append(np.mean(list(b["belief_error_prior"].values())))
        after.append(np.mean(list(b["belief_error"].values())))
    before, after = np.array(before), np.array(after)
    assert after.mean() < before.mean(), _effect(after, before)
    assert (after < before).mean() >= 0.9, _effect(after, before)
