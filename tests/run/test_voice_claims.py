"""Claims over seeds about private information (30 seeds each; effect and spread printed on failure).

Two claims of issue 12 do NOT hold for the rule agents on the default scenario as built; they are
kept as strict xfails so that they fail loudly the day they start to hold (and get promoted).
The seeds are those of scenarios/sweeps/voice.yaml (the README table); on seeds 0-29 the ranking
effect has the other sign (+0.01), i.e. it is within the noise either way:
- silence costs the worst-off group (car_commuters) under private information;
- ranking (elicitation rank:3) raises the mean worst-group utility.
The scenario was not tuned to make them pass.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.context import make_context
from sim.core.scenario import load_scenario
from sim.run.runner import RunConfig, run_negotiation
from sim.run.sweep.spec import load_sweep, spawn_run_seeds
from tests.conftest import ROOT

DEFAULT = ROOT / "scenarios/montreal_streets.yaml"
# the 30 run seeds of scenarios/sweeps/voice.yaml, so the tests and the README table agree
SEEDS = spawn_run_seeds(load_sweep(ROOT / "scenarios/sweeps/voice.yaml"))
WORST_OFF = "car_commuters"          # lowest mean utility when everyone speaks truthfully under private
SHIPPED = ("montreal_streets", "park_renovation", "pb_neighbourhood", "tiny_example")


def _utilities(ctx, voice: str = "truthful") -> np.ndarray:
    runs = [run_negotiation(ctx, RunConfig(seed=s, voice=voice)) for s in SEEDS]
    return np.array([ctx.rubric.utilities(r.outcome.package) for r in runs])


def _effect(a: np.ndarray, b: np.ndarray) -> str:
    d = a - b
    return f"mean difference {d.mean():+.3f} (sd {d.std():.3f}, se {d.std() / np.sqrt(len(d)):.3f}, n {len(d)})"


def test_the_worst_off_group_is_the_one_the_sweep_silences():
    ctx = make_context(load_scenario(DEFAULT))
    mean = _utilities(ctx).mean(axis=0)
    assert ctx.rubric.group_ids[int(np.argmin(mean))] == WORST_OFF, dict(zip(ctx.rubric.group_ids, mean.round(3)))


@pytest.mark.xfail(strict=True, reason="measured: silence does not cost car_commuters under private (see report)")
def test_silence_costs_the_worst_off_group_under_private_more_than_under_full():
    s = load_scenario(DEFAULT)
    diffs = {}
    for information in ("private", "full"):
        ctx = make_context(s, information=information)
        g = ctx.rubric.group_index[WORST_OFF]
        truthful = _utilities(ctx)[:, g]
        silent = _utilities(ctx, f"truthful,{WORST_OFF}=silent")[:, g]
        diffs[information] = (truthful, silent)
        print(information, _effect(truthful, silent))
    cost = diffs["private"][0].mean() - diffs["private"][1].mean()
    full_change = abs(diffs["full"][0].mean() - diffs["full"][1].mean())
    assert cost > 0, f"silence costs {cost:+.3f} under private ({_effect(*diffs['private'])})"
    assert full_change < cost, f"under full silence changes it by {full_change:.3f}, under private by {cost:.3f}"


@pytest.mark.xfail(strict=True, reason="measured: rank:3 does not raise the mean worst group here (see report)")
def test_ranking_raises_the_mean_worst_group_on_the_default_scenario():
    s = load_scenario(DEFAULT)
    without = _utilities(make_context(s)).min(axis=1)
    ranked = _utilities(make_context(s, elicitation="rank:3")).min(axis=1)
    assert ranked.mean() > without.mean(), _effect(ranked, without)


@pytest.mark.parametrize("name", SHIPPED)
def test_beliefs_learn_on_every_shipped_scenario(name):
    """The mediator's belief error after the last round is below its error before anyone spoke, over 30 seeds."""
    ctx = make_context(load_scenario(ROOT / "scenarios" / f"{name}.yaml"))
    before, after = [], []
    for seed in SEEDS:
        b = run_negotiation(ctx, RunConfig(seed=seed)).benchmark
        before.append(np.mean(list(b["belief_error_prior"].values())))
        after.append(np.mean(list(b["belief_error"].values())))
    before, after = np.array(before), np.array(after)
    assert after.mean() < before.mean(), _effect(after, before)
    assert (after < before).mean() >= 0.9, _effect(after, before)
