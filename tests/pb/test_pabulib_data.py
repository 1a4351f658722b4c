"""Every real Pabulib election in shared/data/pabulib imports and matches counts read from the raw text.

The oracle is a tiny parser written here (csv over the .pb text, no pabutools): projects,
costs, budget, voters, per-project approvals / points, voter-field counts, the `selected`
column, greedy by votes, and the best package by total votes (scipy MILP knapsack).
Imports are cached per file in a module fixture: pabutools' rules run once per election.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from sim.pb.pabulib import compute_baselines, import_election, load_election
from sim.pb.segments import GROUP_BY, Grouping, SegmentError


def _data_dir() -> Path | None:
    env = os.environ.get("NEGSIM_PABULIB_DATA")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "pabulib"
        if candidate.is_dir():
            return candidate
    return None


DATA = _data_dir()
FILES = sorted(DATA.glob("*.pb")) if DATA else []
pytestmark = pytest.mark.skipif(not FILES, reason="shared/data/pabulib not found "
                                "(set NEGSIM_PABULIB_DATA to the folder of .pb files)")
# Files with a `selected` column and `rule;greedy` where greedy by votes reproduces the outcome,
# and the two where it does not (SOURCES.md: Wilanow, Katowice).
GREEDY_MATCHES = {"poland_lodz_2022_nad-nerem", "poland_poznan_2023_9-stare-miasto",
                  "poland_warszawa_2019_nadwisle", "poland_warszawa_2019_rembertow"}
GREEDY_DIFFERS = {"poland_warszawa_2018_wilanow", "poland_katowice_2020_zarzecze"}


def raw_pb(path: Path) -> dict:
    """META dict, PROJECTS rows and VOTES rows of a .pb file, read with csv only."""
    out: dict = {"meta": {}, "projects": [], "votes": []}
    section, header = None, None
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter=";"):
            if not row or not "".join(row).strip():
                continue
            if len(row) == 1 and row[0].strip().lower() in ("meta", "projects", "votes"):
                section, header = row[0].strip().lower(), None
            elif header is None:
                header = [h.strip() for h in row]
            elif section == "meta":
                out["meta"][row[0].strip()] = row[1].strip()
            else:
                out[section].append(dict(zip(header, (c.strip() for c in row))))
    out["header"] = header
    return out


def raw_points(raw: dict) -> dict[str, float]:
    """Per-project approvals (approval), points (cumulative) or L - rank (ordinal)."""
    kind = raw["meta"]["vote_type"]
    limit = int(raw["meta"].get("max_length", 0))
    totals: Counter = Counter()
    for v in raw["votes"]:
        ids = [i for i in v["vote"].split(",") if i]
        if kind in ("approval", "choose-1"):
            totals.update(ids)
        elif kind == "cumulative":
            for i, p in zip(ids, v["points"].split(",")):
                totals[i] += float(p)
        else:
            for rank, i in enumerate(ids):
                totals[i] += max(limit, len(ids)) - rank
    return {p["project_id"]: float(totals[p["project_id"]]) for p in raw["projects"]}


def available(raw: dict, field: str) -> bool:
    if field == "none":
        return True
    return any(v.get(field, "None") not in ("None", "") for v in raw["votes"])


@pytest.fixture(scope="module")
def elections():
    """path stem -> (raw, Election, baselines); pabutools' rules run once per file."""
    out = {}
    for path in FILES:
        e = load_election(path)
        out[path.stem] = (raw_pb(path), e, compute_baselines(e))
    return out


@pytest.fixture(scope="module")
def imports(elections):
    """(stem, group_by) -> ImportResult, or the SegmentError for fields a file lacks."""
    out = {}
    for stem, (raw, e, baselines) in elections.items():
        for field in GROUP_BY:
            try:
                out[stem, field] = import_election(e, Grouping(field), baselines)
            except SegmentError as err:
                out[stem, field] = err
    return out


def test_every_file_is_there():
    assert len(FILES) == 9


def test_every_file_imports_with_each_available_group_by(elections, imports):
    for stem, (raw, _, _) in elections.items():
        for field in GROUP_BY:
            result = imports[stem, field]
            if available(raw, field):
                assert not isinstance(result, Exception), f"{stem} {field}: {result}"
            else:
                assert isinstance(result, SegmentError), f"{stem} {field} should fail"
                assert "\n" not in str(result) and f"--group-by {field}" in str(result)


def test_missing_field_falls_back_to_none_only_when_asked(elections):
    raw, e, baselines = elections["poland_warszawa_2019_rembertow"]
    with pytest.raises(SegmentError, match="missing .* for all 740 voters"):
        import_election(e, Grouping("neighborhood"), baselines)
    r = import_election(e, Grouping("neighborhood", fallback_none=True), baselines)
    assert r.scenario.group_ids == ["all"] and r.scenario.groups[0].size == 740


def test_counts_match_the_raw_file(elections, imports):
    for (stem, field), result in imports.items():
        if isinstance(result, Exception):
            continue
        raw = elections[stem][0]
        s = result.scenario
        assert s.item_ids == [p["project_id"] for p in raw["projects"]], stem
        assert [it.cost for it in s.items] == [float(p["cost"]) for p in raw["projects"]]
        assert s.budget == float(raw["meta"]["budget"])
        assert sum(g.size for g in s.groups) == len(raw["votes"]) == int(raw["meta"]["num_votes"])
        sizes = {g.id: g.size for g in s.groups}
        points = raw_points(raw)
        for it in s.items:
            total = sum(sizes[g] * v["support"] for g, v in it.group_effects.items())
            assert total == pytest.approx(points[it.id], rel=1e-9, abs=1e-9), (stem, field, it.id)


def test_file_vote_columns_agree_with_the_ballots(elections):
    """The PROJECTS votes/score columns equal counts from VOTES, and the import reports no difference."""
    for stem, (raw, e, _) in elections.items():
        points = raw_points(raw)
        for p in raw["projects"]:
            supporters = sum(p["project_id"] in v["vote"].split(",") for v in raw["votes"])
            assert int(p["votes"]) == supporters, (stem, p["project_id"])
            if "score" in p:
                assert float(p["score"]) == points[p["project_id"]], (stem, p["project_id"])
        assert not e.notes, stem


def test_segment_sizes_match_raw_field_counts(imports, elections):
    raw = elections["poland_lodz_2022_nad-nerem"][0]
    sexes = Counter(v["sex"] for v in raw["votes"])
    r = imports["poland_lodz_2022_nad-nerem", "sex"]
    assert r.segments.sizes() == {"sex_f": sexes["K"], "sex_m": sexes["M"]}
    assert f"sex: {sexes['K']} 'K' (kobieta) mapped to 'F'" in r.notes
    raw = elections["poland_zabrze_2021_"][0]
    districts = Counter(v["district"] for v in raw["votes"])
    r = imports["poland_zabrze_2021_", "district"]
    assert sorted(r.segments.sizes().values()) == sorted(districts.values())
    assert r.segments.sizes()["district_unknown"] == districts[""] == 264   # empty in the file


def test_implausible_ages_counted(imports, elections):
    for stem, (raw, _, _) in elections.items():
        if not available(raw, "age"):
            continue
        ages = [int(v["age"]) for v in raw["votes"] if v["age"] not in ("None", "")]
        bad = sum(not 1 <= a <= 100 for a in ages)
        notes = " ".join(imports[stem, "age"].notes)
        assert (f"{bad} implausible ages" in notes) == (bad > 0), stem
        assert imports[stem, "age"].segments.sizes().get("age_unknown", 0) == \
            bad + len(raw["votes"]) - len(ages)


def greedy_by_votes(raw: dict) -> set[str]:
    """Pabulib's greedy: by votes (score for points ballots), descending; skip what does not fit."""
    points = raw_points(raw)
    left = float(raw["meta"]["budget"])
    chosen = set()
    for p in sorted(raw["projects"], key=lambda p: (-points[p["project_id"]], p["project_id"])):
        if float(p["cost"]) <= left:
            chosen.add(p["project_id"])
            left -= float(p["cost"])
    return chosen


def test_greedy_baseline_equals_greedy_by_votes_on_every_file(elections):
    for stem, (raw, _, baselines) in elections.items():
        assert set(baselines["greedy"].package) == greedy_by_votes(raw), stem


def test_greedy_reproduces_the_selected_projects_where_greedy_was_the_rule(elections):
    marked = {stem for stem, (raw, _, _) in elections.items() if "selected" in raw["header"] or
              any("selected" in p for p in raw["projects"])}
    assert marked == GREEDY_MATCHES | GREEDY_DIFFERS
    for stem in marked:
        raw, _, baselines = elections[stem]
        assert raw["meta"]["rule"] == "greedy"
        selected = {p["project_id"] for p in raw["projects"] if p.get("selected") == "1"}
        assert set(baselines["actual"].package) == selected
        matches = set(baselines["greedy"].package) == selected
        assert matches == (stem in GREEDY_MATCHES), stem


def test_max_welfare_is_the_best_package_by_votes(elections):
    for stem, (raw, _, baselines) in elections.items():
        points = raw_points(raw)
        ids = [p["project_id"] for p in raw["projects"]]
        v = np.array([points[i] for i in ids])
        cost = np.array([float(p["cost"]) for p in raw["projects"]])
        res = milp(-v, constraints=LinearConstraint(cost[None, :], 0, float(raw["meta"]["budget"])),
                   integrality=np.ones(len(ids)), bounds=Bounds(0, 1))
        chosen = baselines["max_welfare"].package
        assert sum(points[i] for i in chosen) == pytest.approx(-res.fun), stem
        for b in baselines.values():      # every rule (and the actual outcome) is within budget
            assert sum(cost[ids.index(i)] for i in b.package) <= float(raw["meta"]["budget"]), stem
            assert sum(points[i] for i in b.package) <= -res.fun + 1e-6


def test_plain_mes_selects_nothing_on_poznan_and_zabrze_and_completion_fills(elections):
    for stem in ("poland_poznan_2023_9-stare-miasto", "poland_zabrze_2021_"):
        mes = elections[stem][2]["mes"]
        assert "selects 0 projects" in mes.note and len(mes.package) >= 1


@pytest.mark.parametrize("stem, field", [("poland_warszawa_2019_nadwisle", "age"),
                                         ("poland_zabrze_2021_", "district"),
                                         ("poland_krakow_2018_wzgorza-krzeslawickie", "none")])
def test_pb_report_negotiates_and_agrees_with_pabutools_measures(imports, stem, field):
    from sim.pb.compare import pb_report

    report = pb_report(imports[stem, field])
    rows = {r["method"]: r for r in report.rows}
    assert set(rows) >= {"negotiated", "greedy", "mes", "max_welfare"}
    for r in rows.values():
        assert r["cost"] <= r["budget"] and r["groups"] == len(imports[stem, field].scenario.groups)
        # pabutools' mean voter satisfaction x voters = our size-weighted total (same points)
        assert r["pb_avg_sat"] * r["voters"] == pytest.approx(r["total_weighted"])
    assert rows["max_welfare"]["total_weighted"] >= max(r["total_weighted"] for r in rows.values()) - 1e-9
