"""Pabulib import on a handmade election whose answers were worked out by hand (tests/data/tiny.pb).

tiny.pb: budget 100; p1 70 (6 approvals), p2 50 (5), p3 40 (4), p4 30 (1).
Greedy by votes: p1, then only p4 fits -> {p1, p4} (7 approvals), which the file marks as
selected; the best package by approvals is {p2, p3} (9 approvals, cost 90).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli.commands import app
from sim.core.scenario import load_scenario
from sim.pb.pabulib import PabulibError, import_pabulib
from sim.pb.segments import Grouping, SegmentError, parse_int_list, segment_voters, slug

TINY_PB = Path(__file__).resolve().parents[1] / "data" / "tiny.pb"
runner = CliRunner()


def _values(scenario) -> dict[str, dict[str, float]]:
    return {g.id: {it.id: it.group_effects[g.id]["support"] for it in scenario.items}
            for g in scenario.groups}


def test_tiny_baselines_known_answers():
    r = import_pabulib(TINY_PB, Grouping("none"))
    assert r.scenario.base_designs["greedy"] == ["p1", "p4"]
    assert r.scenario.base_designs["actual"] == ["p1", "p4"]
    assert r.scenario.base_designs["max_welfare"] == ["p2", "p3"]
    assert "selects 1 projects (p2)" in " ".join(r.notes)   # plain MES, done by hand


def test_tiny_sex_values_and_k_mapping():
    r = import_pabulib(TINY_PB, Grouping("sex"))
    assert r.segments.sizes() == {"sex_f": 6, "sex_m": 4}
    assert _values(r.scenario)["sex_f"] == pytest.approx({"p1": 4 / 6, "p2": 3 / 6, "p3": 2 / 6, "p4": 1 / 6})
    assert _values(r.scenario)["sex_m"] == pytest.approx({"p1": 0.5, "p2": 0.5, "p3": 0.5, "p4": 0.0})
    assert "sex: 2 'K' (kobieta) mapped to 'F'" in r.notes


def test_tiny_age_drops_implausible_and_missing():
    r = import_pabulib(TINY_PB, Grouping("age"))
    assert r.segments.sizes() == {"age_lt18": 1, "age_18_34": 3, "age_35_49": 1, "age_50_64": 1,
                                  "age_65plus": 1, "age_unknown": 3}
    text = " ".join(r.notes)
    assert "2 implausible ages (outside 1-100) dropped" in text and "0, 130" in text
    assert "age: 1 missing values" in text
    dropped = import_pabulib(TINY_PB, Grouping("age", drop_unknown=True))
    assert sum(g.size for g in dropped.scenario.groups) == 7
    assert "age_unknown" not in dropped.scenario.group_ids


def test_tiny_neighbourhood_none_is_missing():
    r = import_pabulib(TINY_PB, Grouping("neighborhood"))
    assert r.segments.sizes() == {"neighborhood_north": 4, "neighborhood_south": 4,
                                  "neighborhood_unknown": 2}
    assert "neighborhood: 2 missing values ('None' or empty)" in r.notes


def test_missing_field_is_one_line_error_and_fallback_only_when_asked():
    with pytest.raises(SegmentError) as err:
        import_pabulib(TINY_PB, Grouping("district"))
    assert "\n" not in str(err.value) and "no voter field 'district'" in str(err.value)
    assert "--fallback-none" in str(err.value)
    r = import_pabulib(TINY_PB, Grouping("district", fallback_none=True))
    assert r.scenario.group_ids == ["all"] and r.scenario.groups[0].size == 10
    assert any("grouped all voters together" in n for n in r.notes)


def test_scenario_round_trips_and_keeps_sources(tmp_path):
    out = tmp_path / "tiny.yaml"
    res = runner.invoke(app, ["import-pabulib", str(TINY_PB), "--group-by", "sex", "--out", str(out)])
    assert res.exit_code == 0, res.output
    s = load_scenario(out)
    assert s.budget == 100 and s.currency == "PLN" and s.item_ids == ["p1", "p2", "p3", "p4"]
    assert [it.cost for it in s.items] == [70, 50, 40, 30]
    assert s.items[0].category == "urban greenery"
    assert any("tiny.pb" in src for src in s.sources) and any("arXiv:2012.06539" in src for src in s.sources)
    assert "note: sex: 2 'K' (kobieta) mapped to 'F'" in res.output


@pytest.mark.parametrize("args, needle", [
    (["--group-by", "district"], "no voter field 'district'"),
    (["--group-by", "height"], "unknown field 'height'"),
    (["--group-by", "age", "--age-bins", "35,18"], "strictly increasing"),
    (["--group-by", "age", "--age-range", "1"], "two numbers"),
])
def test_cli_user_errors_one_line_no_output_file(tmp_path, args, needle):
    out = tmp_path / "sub" / "x.yaml"
    res = runner.invoke(app, ["import-pabulib", str(TINY_PB), *args, "--out", str(out)])
    assert res.exit_code == 2
    assert needle in res.output and res.output.strip().count("\n") == 0
    assert not out.parent.exists()


def test_cli_missing_file_and_missing_extra(tmp_path, monkeypatch):
    res = runner.invoke(app, ["import-pabulib", str(tmp_path / "nope.pb"), "--group-by", "none",
                              "--out", str(tmp_path / "x.yaml")])
    assert res.exit_code == 2 and "no such file" in res.output
    import builtins

    real_import = builtins.__import__

    def no_pabutools(name, *a, **kw):
        if name.startswith("pabutools"):
            raise ImportError(name)
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_pabutools)
    with pytest.raises(PabulibError, match=r"pip install 'negsim\[pb\]'"):
        import_pabulib(TINY_PB)


def test_pb_report_cli_prints_every_method_and_writes_csv(tmp_path):
    csv_path = tmp_path / "rows.csv"
    res = runner.invoke(app, ["pb-report", str(TINY_PB), "--group-by", "sex", "--csv", str(csv_path)])
    assert res.exit_code == 0, res.output
    for method in ("negotiated", "greedy", "mes", "max_welfare", "actual"):
        assert method in res.output
    import csv

    rows = list(csv.DictReader(csv_path.open()))
    assert [r["method"] for r in rows] == ["negotiated", "greedy", "mes", "max_welfare", "actual"]
    by = {r["method"]: r for r in rows}
    assert float(by["max_welfare"]["total_weighted"]) == 9.0 and float(by["greedy"]["total_weighted"]) == 7.0
    # pabutools' average satisfaction (approvals per voter) equals our size-weighted total / voters
    for r in rows:
        assert float(r["pb_avg_sat"]) * 10 == pytest.approx(float(r["total_weighted"]))


def test_pb_report_unknown_mediator_is_one_line_error():
    res = runner.invoke(app, ["pb-report", str(TINY_PB), "--group-by", "none", "--mediator", "oracle"])
    assert res.exit_code == 2 and "unknown mediator 'oracle'" in res.output
    assert res.output.strip().count("\n") == 0


def test_slug_and_int_lists():
    assert slug("Osiedle Mikołaja Kopernika") == "osiedle_mikolaja_kopernika"
    assert slug("Centrum-Północ") == "centrum_polnoc"
    assert parse_int_list("18, 35,50", "x") == (18, 35, 50)
    with pytest.raises(SegmentError):
        parse_int_list("a,b", "x")


voter = st.fixed_dictionaries({}, optional={
    "sex": st.sampled_from(["F", "M", "K", "None", "X", ""]),
    "age": st.one_of(st.integers(-5, 130).map(str), st.sampled_from(["None", "abc", ""]))})


@settings(max_examples=60, deadline=None)
@given(st.lists(voter, min_size=1, max_size=40), st.sampled_from(["sex", "age"]), st.booleans())
def test_segments_account_for_every_voter(voters, field, drop):
    """Kept voters plus dropped ones are all voters; 'K' never survives; ages stay in range."""
    header = ("voter_id", "vote", "sex", "age")
    if all(v.get(field) in (None, "None", "") for v in voters):
        with pytest.raises(SegmentError):
            segment_voters(voters, header, Grouping(field, drop_unknown=drop))
        return
    seg = segment_voters(voters, header, Grouping(field, drop_unknown=drop))
    assert sum(seg.sizes().values()) + seg.dropped() == len(voters)
    assert drop or seg.dropped() == 0
    for v, s in zip(voters, seg.voter_segment):
        if field == "sex" and v.get("sex") == "K":
            assert s == "sex_f"
        if field == "age" and s not in (None, "age_unknown"):
            assert 1 <= int(v["age"]) <= 100


ballots = st.lists(st.sets(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1), min_size=1, max_size=25)


@settings(max_examples=15, deadline=None)
@given(ballots, st.lists(st.integers(1, 60), min_size=5, max_size=5), st.integers(60, 150))
def test_random_approval_elections_reconstruct_vote_counts(votes, costs, budget):
    """Size-weighted group values give back each project's approval count; max_welfare is optimal."""
    ids = ["a", "b", "c", "d", "e"]
    lines = ["META", "key;value", "num_projects;5", f"num_votes;{len(votes)}", f"budget;{budget}",
             "vote_type;approval", "PROJECTS", "project_id;cost"]
    lines += [f"{i};{c}" for i, c in zip(ids, costs)]
    lines += ["VOTES", "voter_id;vote;sex"]
    lines += [f"{n};{','.join(sorted(b))};{'FM'[n % 2]}" for n, b in enumerate(votes)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.pb"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        r = import_pabulib(path, Grouping("sex"))
    s = r.scenario
    sizes = {g.id: g.size for g in s.groups}
    for it in s.items:
        total = sum(sizes[g] * v["support"] for g, v in it.group_effects.items())
        assert total == pytest.approx(sum(it.id in b for b in votes))
    approvals = np.array([sum(i in b for b in votes) for i in ids], dtype=float)
    best = max(approvals @ np.array([(m >> k) & 1 for k in range(5)]) for m in range(32)
               if sum(c for k, c in enumerate(costs) if (m >> k) & 1) <= budget)
    chosen = s.base_designs["max_welfare"]
    assert sum(approvals[ids.index(i)] for i in chosen) == pytest.approx(best)
    assert sum(costs[ids.index(i)] for i in chosen) <= budget
