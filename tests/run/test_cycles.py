"""Budget cycles: period menus, memory, the ledger-aware mediator, periods.csv."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from agents.memory import relative_gain
from sim.cli.commands import app
from sim.core.scenario import RepeatedOptions, load_scenario
from sim.run.cycles import PeriodMemory, RepeatedConfig, next_memory, period_scenario, run_repeated
from sim.run.registry import make_mediator, make_stakeholder
from tests.conftest import ROOT, TINY

runner = CliRunner()
PERIOD_COLUMNS = ["period", "budget", "agreement", "package", "cost", "total", "worst_group",
                  "worst_group_id", "p20", "gini", "cum_total", "cum_worst_group"]
SHIPPED = ["montreal_streets", "park_renovation", "tiny_example",
           pytest.param("pb_neighbourhood", marks=pytest.mark.slow)]      # ~45 s for both runs


def test_funded_items_leave_with_what_they_exclude(tiny):
    s = period_scenario(tiny, 1, {"ramp"}, RepeatedOptions(funded="leave"))
    assert s.item_ids == ["trees", "bench", "light", "art"]               # lane excludes ramp
    assert s.groups[0].red_lines.must_have == []                          # ramp is already built
    assert s.base_designs == {"std": ["light"], "alt": ["bench", "light"]}
    s = period_scenario(tiny, 1, {"trees"}, RepeatedOptions(funded="leave"))
    assert "art" in s.item_ids and s.items[s.item_ids.index("art")].requires == []


def test_funded_items_stay_at_maintenance_cost_and_budget_grows(tiny):
    s = period_scenario(tiny, 2, {"ramp", "trees"}, RepeatedOptions(funded="stay", maintenance=0.25, growth=0.1))
    costs = {i.id: i.cost for i in s.items}
    assert costs["ramp"] == 10 and costs["trees"] == 7.5 and costs["lane"] == 60
    assert s.budget == pytest.approx(100 * 1.1 ** 2)
    assert period_scenario(tiny, 0, set(tiny.item_ids), RepeatedOptions()) is None   # nothing left


def test_memory_ledger_and_trust():
    m = PeriodMemory(0, (0.0, 0.0), (0.0, 0.0))
    m = next_memory(m, np.array([2.0, 1.0]), agreed=False, blocked=True)
    assert m.ledger == (2.0, 1.0) and m.last == (2.0, 1.0) and m.trust == pytest.approx(0.7) and m.vetoes == 1
    m = next_memory(m, np.array([0.5, 3.0]), agreed=True, blocked=False)
    assert m.ledger == (2.5, 4.0) and m.trust == pytest.approx(0.8) and m.period == 2
    assert relative_gain(np.array([3.0, 1.0, 2.0]), 0) == pytest.approx(0.75)   # (3 - 1.5) / 2
    assert relative_gain(np.array([0.0, 9.0]), 0) == -1.0                       # clipped


def test_memory_changes_concession_speed(tiny):
    from sim.core.context import make_context

    ctx = make_context(tiny)
    rng = lambda: np.random.default_rng(1)  # noqa: E731
    plain = make_stakeholder("memory:linear", "wheel")
    plain.reset(ctx, rng())
    gainer = make_stakeholder("memory:linear", "wheel", memory=PeriodMemory(1, (5.0, 1.0, 1.0), (5.0, 1.0, 1.0)))
    gainer.reset(ctx, rng())
    distrust = make_stakeholder("memory:linear", "wheel", memory=PeriodMemory(1, (1.0,) * 3, (1.0,) * 3, trust=0.5))
    distrust.reset(ctx, rng())
    assert gainer.beta > plain.beta and distrust.beta == pytest.approx(plain.beta * 0.5)


def test_ledger_mediator_ranks_on_cumulative_utilities(tiny):
    from sim.core.context import make_context

    ctx = make_context(tiny)
    med = make_mediator("ledger:maximin", ledger=(10.0, 0.0, 0.0))
    med.reset(ctx, np.random.default_rng(0))
    U = np.array([[1.0, 5.0, 5.0], [9.0, 2.0, 2.0]])
    assert med._objective(U)[:, 0].tolist() == [5.0, 2.0]       # min of ledger + U
    blind = make_mediator("maximin")
    blind.reset(ctx, np.random.default_rng(0))
    assert blind._objective(U)[:, 0].tolist() == [1.0, 2.0]


def test_repeated_runs_are_reproducible(tiny):
    config = RepeatedConfig(periods=4, options=RepeatedOptions(funded="stay", growth=0.05), seed=3)
    a, b = run_repeated(tiny, config), run_repeated(tiny, config)
    assert a.rows == b.rows
    assert [r["budget"] for r in a.rows] == pytest.approx([100 * 1.05 ** t for t in range(4)])
    cum = np.cumsum([r["total"] for r in a.rows])
    assert [r["cum_total"] for r in a.rows] == pytest.approx(cum)
    for r in a.rows:
        u = [r[f"u_{g}"] for g in tiny.group_ids]
        assert r["worst_group"] == pytest.approx(min(u)) and r["total"] == pytest.approx(sum(u))


@pytest.mark.parametrize("name", SHIPPED)
def test_ten_periods_ledger_aware_worst_group_at_least_blind(name, monkeypatch):
    """Ledger-aware is never worse on the cumulative worst group, and its mediator really weighs the
    ledger: in period t it offsets each group by the utility that group had in periods 1..t-1."""
    from agents.memory import LedgerMediator

    seen: list[tuple[float, ...]] = []
    reset = LedgerMediator.reset

    def recording(self, *args):
        reset(self, *args)
        seen.append(tuple(np.round(self._offset(), 6)))      # the offset its objective adds

    s = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    blind = run_repeated(s, RepeatedConfig(periods=10)).summary()
    monkeypatch.setattr(LedgerMediator, "reset", recording)
    result = run_repeated(s, RepeatedConfig(periods=10, ledger=True))
    aware = result.summary()
    utilities = np.array([[r[f"u_{g}"] for g in result.group_ids] for r in result.rows])
    prefixes = [tuple(np.round(utilities[:t].sum(axis=0), 6)) for t in range(10)]
    assert seen[0] == prefixes[0] and len(seen) > 1            # period 1 starts from an empty ledger
    assert all(offset in prefixes for offset in seen) and any(any(offset) for offset in seen[1:])
    print(f"{name}: cumulative worst_group ledger-blind {blind['cumulative']['worst_group']:.4f}, "
          f"ledger-aware {aware['cumulative']['worst_group']:.4f}")
    assert blind["periods"] == aware["periods"] == 10
    assert aware["mediator"].startswith("ledger:") and not blind["mediator"].startswith("ledger:")
    assert aware["cumulative"]["worst_group"] >= blind["cumulative"]["worst_group"] - 1e-9
    assert sum(blind["worst_off_periods"].values()) <= 10


def test_the_ledger_changes_what_is_funded_and_lifts_the_worst_off_on_montreal_streets():
    """Where the ledger matters under private information (montreal_streets, funded items stay, maximin):
    other packages in periods 4-8 and 10, a higher cumulative worst group (car_commuters: 946/11 vs 836/11 under the
    item-value belief, the default since issue 19's eighth follow-up; with the weights belief periods 2-4 and 7-10,
    860/11 vs 824/11; before issue 19's support model: periods 2 and 6-10, 929/11 vs 805/11),
    the same number of agreements. (The earlier pb_neighbourhood case no longer lifts the worst group: with
    private information the ledger changes periods 4-5 there and both end at 118/7.)"""
    from sim.core.scenario import RepeatedOptions

    s = load_scenario(ROOT / "scenarios" / "montreal_streets.yaml")
    options = RepeatedOptions(funded="stay")
    blind = run_repeated(s, RepeatedConfig(periods=10, options=options, mediator="maximin"))
    aware = run_repeated(s, RepeatedConfig(periods=10, options=options, mediator="maximin", ledger=True))
    changed = [r["period"] for r, q in zip(blind.rows, aware.rows) if r["package"] != q["package"]]
    assert changed == [4, 5, 6, 7, 8, 10]                           # periods count from 1
    b, a = blind.summary()["cumulative"], aware.summary()["cumulative"]
    assert b["worst_group_id"] == a["worst_group_id"] == "car_commuters"
    assert b["worst_group"] == pytest.approx(836 / 11, abs=1e-6) and a["worst_group"] == pytest.approx(946 / 11, abs=1e-6)
    assert sum(r["agreement"] for r in blind.rows) == sum(r["agreement"] for r in aware.rows) == 10


def test_cli_repeated_writes_periods_csv(tmp_path):
    out = tmp_path / "cycles"
    res = runner.invoke(app, ["repeated", str(TINY), "--periods", "3", "--funded", "stay",
                              "--maintenance", "0.5", "--ledger", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["periods"] == 3 and summary["mediator"] == "ledger:negotiated"
    with open(out / "periods.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == PERIOD_COLUMNS + [f"u_{g}" for g in ("wheel", "green", "fun")]
    assert len(rows) == 3 and float(rows[-1]["cum_total"]) == pytest.approx(summary["cumulative"]["total"])
    assert json.loads((out / "repeated.json").read_text())["options"]["maintenance"] == 0.5
    from dashboards.data import load_run_view  # the dashboard opens the folder (last period's run)

    view = load_run_view(out)
    assert len(view.extras["periods"]) == 3 and view.summary["scenario"] == "tiny"


def test_cli_repeated_user_errors(tmp_path):
    res = runner.invoke(app, ["repeated", str(TINY), "--funded", "sometimes", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "--funded: unknown mode" in res.stderr
    assert not (tmp_path / "x").exists()
    res = runner.invoke(app, ["repeated", str(TINY), "--mediator", "dictator"])
    assert res.exit_code == 2 and "--mediator: unknown mediator 'dictator'" in res.stderr


def test_veto_blocked_only_when_the_veto_alone_stops_the_deal(tiny):
    from types import SimpleNamespace

    from sim.core.context import make_context
    from sim.run.cycles import veto_blocked

    s = tiny.model_copy(update={"groups": [tiny.groups[0].model_copy(update={"veto": True}), *tiny.groups[1:]]})
    s = s.model_copy(update={"protocol": s.protocol.model_copy(update={"acceptance": "majority"})})
    ctx = make_context(s)

    def result(agreement, kinds):
        rows = [{"round": 3, "agent": g, "kind": k} for g, k in zip(s.group_ids, kinds)]
        return SimpleNamespace(ctx=ctx, transcript=[{"round": 2, "agent": "wheel", "kind": "accept"}] + rows,
                               outcome=SimpleNamespace(agreement=agreement, rounds=3))

    assert veto_blocked(result(False, ["object", "accept", "accept"]))       # majority, vetoed
    assert not veto_blocked(result(False, ["object", "object", "object"]))   # no majority anyway
    assert not veto_blocked(result(False, ["accept", "object", "object"]))   # no veto used
    assert not veto_blocked(result(True, ["accept", "accept", "accept"]))
