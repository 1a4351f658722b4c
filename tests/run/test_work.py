"""The work budget (sim.run.work): known estimates on hand-made scenarios, monotone growth, and refusals
at the limit through validate, run, sweep planning and the Python API (one line, exit 2, nothing written)."""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.core.scenario import parse_scenario
from sim.run import work
from sim.run.work import WorkTooLarge, check_work, estimate_work
from tests.cli.test_hostile_files import assert_one_line_error, invoke
from tests.conftest import TINY


def scenario_data(n_items: int, n_groups: int, members_per_group: int = 0) -> dict:
    """A valid scenario of this size (two criteria, unit costs, half the items affordable)."""
    items = [{"id": f"i{k}", "cost": 1.0, "effects": {"a": float(k % 3), "b": 1.0}} for k in range(n_items)]
    groups = [{"id": f"g{g}", "weights": {"a": 1.0, "b": float(g % 2)}} for g in range(n_groups)]
    for g in groups if members_per_group else []:
        g["dispersion"] = {"members": members_per_group, "spread": 0.1}
    return {"name": "work", "budget": max(1.0, n_items / 2), "criteria": [{"id": "a"}, {"id": "b"}], "items": items,
            "groups": groups, "protocol": {"max_rounds": 10}}


def scenario(n_items: int, n_groups: int, members_per_group: int = 0, **protocol):
    data = scenario_data(n_items, n_groups, members_per_group)
    data["protocol"].update(protocol)
    return parse_scenario(data, "work.yaml")


def test_enumeration_estimate_worked_by_hand():
    # 6 items, 3 groups, no members: 2^6 = 64 packages x (3 groups + 8 columns) = 704 cells
    s = scenario(6, 3)
    private, full = estimate_work(s, "private"), estimate_work(s, "full")
    cell = work.ENUM_SECONDS_PER_CELL
    assert {t.quantity: t.seconds for t in full.terms} == {"members": 0.0, "enumeration": pytest.approx(704 * cell)}
    assert full.seconds == pytest.approx(work.RUN_BASE_SECONDS + 704 * cell)
    assert private.seconds == pytest.approx(work.RUN_BASE_SECONDS + 704 * cell * work.ENUM_PRIVATE_FACTOR)
    assert estimate_work(s).seconds == private.seconds          # the scenario's own information (private)


def test_milp_estimate_worked_by_hand():
    # 25 items, 4 groups of 10 members: 40 voters; MILP a 25^b 4^c; ballots 40 a' 25^b'; members 40 x 25 values
    s = scenario(25, 4, 10, information="full", max_rounds=20)
    a, b, c = work.MILP_FIT["full"]
    a2, b2 = work.BALLOT_FIT
    terms = {t.quantity: t.seconds for t in estimate_work(s).terms}
    assert terms == pytest.approx({"members": 1000 * work.MEMBER_SECONDS_PER_VALUE,
                                   "MILP search": a * 25 ** b * 4 ** c * 2.0,      # 20 rounds: twice the fit's 10
                                   "knapsack ballots": 40 * a2 * 25 ** b2})
    assert math.isclose(estimate_work(s, max_rounds=5).seconds,
                        estimate_work(s, max_rounds=10).seconds)   # below the fit's 10 rounds: not scaled down


@settings(max_examples=25, derandomize=True, deadline=None)
@given(K=st.integers(1, 60), G=st.integers(1, 40), M=st.integers(0, 50), info=st.sampled_from(["private", "full"]),
       grow=st.sampled_from(["items", "groups", "members"]))
def test_more_of_anything_is_never_less_work(K, G, M, info, grow):
    bigger = {"items": (K + 1, G, M), "groups": (K, G + 1, M), "members": (K, G, M + 1)}[grow]
    if grow == "items" and K == 20:                # 20 -> 21 items changes method (enumeration -> MILP)
        K, bigger = 19, (20, G, M)
    small, large = scenario(K, G, M), scenario(*bigger)
    assert estimate_work(large, info).seconds >= estimate_work(small, info).seconds


def test_the_limit_is_strict_and_only_raised(monkeypatch):
    s = scenario(6, 3)
    estimate = estimate_work(s).seconds
    monkeypatch.setattr(work, "MAX_RUN_CPU_SECONDS", estimate)
    assert check_work(s).seconds == estimate                    # exactly at the limit: accepted
    monkeypatch.setattr(work, "MAX_RUN_CPU_SECONDS", estimate * 0.999)
    with pytest.raises(WorkTooLarge, match="enumeration"):
        check_work(s, where="here.yaml")
    assert check_work(s, limit=estimate * 1.001).seconds == estimate      # a caller's limit raises it
    monkeypatch.setattr(work, "MAX_RUN_CPU_SECONDS", estimate * 1.001)
    assert check_work(s, limit=estimate * 0.5).seconds == estimate        # ... and never lowers it


def write(tmp_path, data: dict, name: str = "big.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_just_over_the_limit_is_refused_and_just_under_runs(tmp_path, monkeypatch):
    tiny = estimate_work(parse_scenario(yaml.safe_load(TINY.read_text()), "tiny"))
    estimate = tiny.seconds
    out = tmp_path / "run"
    monkeypatch.setattr(work, "MAX_RUN_CPU_SECONDS", estimate * 0.99)
    for args in (["validate", str(TINY)], ["run", str(TINY), "--out", str(out), "--quiet"]):
        code, output = invoke(args)
        assert_one_line_error(code, output, str(TINY), "CPU-s")
        assert f"mostly {tiny.largest.quantity}" in output and tiny.largest.fix in output
    assert not out.exists()
    code, output = invoke(["run", str(TINY), "--out", str(out), "--quiet", "--max-seconds", "3600"])
    assert code == 0 and out.is_dir(), output                  # --max-seconds raised the limit
    monkeypatch.setattr(work, "MAX_RUN_CPU_SECONDS", estimate * 1.01)
    assert invoke(["validate", str(TINY)])[0] == 0
    assert invoke(["run", str(TINY), "--out", str(tmp_path / "run2"), "--quiet"])[0] == 0


def test_a_city_of_ballots_is_refused_before_any_work(tmp_path):
    # 400 items, 100 groups of 1,000 drawn members: 100,000 knapsack ballots of 400 items
    path = write(tmp_path, scenario_data(400, 100, 1000))
    for args in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "run"), "--quiet"]):
        code, output = invoke(args)
        assert_one_line_error(code, output, str(path), "knapsack ballots")
        assert "100,000 voters x 400 items" in output and "fewer members" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.yaml"]
    with pytest.raises(WorkTooLarge, match="knapsack ballots"):
        sim.run(path)


def test_a_sweep_is_refused_at_planning_naming_the_variant(tmp_path, monkeypatch):
    s = scenario(25, 4)
    seconds = {info: estimate_work(s, info).seconds for info in ("private", "full")}
    refused = max(seconds, key=seconds.get)
    monkeypatch.setattr(work, "MAX_RUN_CPU_SECONDS", sum(seconds.values()) / 2)
    write(tmp_path, scenario_data(25, 4), "scenario.yaml")
    sweep = write(tmp_path, {"name": "w", "scenario": "scenario.yaml", "seeds": 1,
                             "axes": [{"name": "information", "values": ["private", "full"]}]}, "sweep.yaml")
    code, output = invoke(["sweep", str(sweep), "--out", str(tmp_path / "out"), "--quiet"])
    assert_one_line_error(code, output, str(sweep), f"information='{refused}'")
    assert "MILP search" in output and not (tmp_path / "out").exists()
    with pytest.raises(Exception, match=f"information='{refused}'"):
        sim.run_many(s, {"information": ["private", "full"]}, seeds=1)
