"""`negsim survey report`: the planted structure of the synthetic survey is found, and nothing else is claimed."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli.commands import app
from sim.core.scenario import load_scenario
from sim.survey.data import load_survey, survey_from_frame
from sim.survey.report import CRITERIA_COLUMNS, TABLES, ReportConfig, survey_report
from sim.survey.synthetic import IMPORTANCE_PLANT, RANKING_PLANT, RATING_PLANT, SyntheticConfig, synthetic_survey
from tests.conftest import ROOT

runner = CliRunner()
SYNTHETIC = ROOT / "scenarios" / "surveys" / "montreal_survey_synthetic.csv"
MONTREAL = ROOT / "scenarios" / "montreal_streets.yaml"
PLANTED = {"importance_rating": set(IMPORTANCE_PLANT), "rating": set(RATING_PLANT), "ranking": set(RANKING_PLANT)}


@pytest.fixture(scope="module")
def shipped():
    return survey_report(load_survey(SYNTHETIC))


def test_the_shipped_survey_is_labelled_synthetic_and_regenerates_byte_identical(tmp_path):
    head = SYNTHETIC.read_text().splitlines()[0]
    assert head.startswith("# SYNTHETIC SURVEY - NOT REAL RESPONSES")
    out = tmp_path / "again.csv"
    subprocess.run([sys.executable, str(ROOT / "scenarios/surveys/make_montreal_survey.py"), "--out", str(out)],
                   check=True, capture_output=True, cwd=ROOT)
    assert out.read_bytes() == SYNTHETIC.read_bytes()
    survey = load_survey(SYNTHETIC)
    assert len(survey.participants) == 35 and len(survey.groups) == 4
    f = survey.frame
    assert f.loc[f["task"] == "rating", "target"].nunique() == 20
    assert f.loc[f["task"] == "rating", "criterion"].nunique() == 4
    assert f.loc[f["task"] == "ranking", "target"].nunique() == 7
    assert f.loc[f["task"] == "ranking", "criterion"].nunique() == 12
    assert f.loc[f["task"] == "importance_rating", "criterion"].nunique() == 12


@pytest.mark.parametrize("task", sorted(PLANTED))
def test_planted_criteria_rank_first_and_are_flagged(shipped, task):
    c = shipped.tables["criteria"]
    part = c[c["task"] == task]
    planted = PLANTED[task]
    assert set(part["criterion"].iloc[:len(planted)]) == planted, part[["criterion", "between_share", "p_permutation"]]
    flagged = part[part["criterion"].isin(planted)]
    assert (flagged["p_permutation"] <= 0.01).all() and flagged["systematic"].all(), flagged
    assert not part.loc[~part["criterion"].isin(planted), "systematic"].any(), part


def test_planted_rankings_agree_more_within_groups_than_across(shipped):
    c = shipped.tables["criteria"]
    ranking = c[c["task"] == "ranking"].set_index("criterion")
    for criterion in RANKING_PLANT:
        assert ranking.loc[criterion, "alpha_within_mean"] > ranking.loc[criterion, "alpha_overall"] + 0.1


def test_planted_structure_is_recovered_over_seeds():
    """Over 12 generator seeds (199 permutations each): planted criteria first and flagged in most surveys."""
    base = load_scenario(MONTREAL)
    top, flagged, null_flags = {t: [] for t in PLANTED}, {t: [] for t in PLANTED}, []
    for seed in range(100, 112):
        survey = survey_from_frame(synthetic_survey(base, SyntheticConfig(seed=seed)))
        c = survey_report(survey, ReportConfig(permutations=199, seed=seed)).tables["criteria"]
        for task, planted in PLANTED.items():
            part = c[c["task"] == task]
            top[task].append(set(part["criterion"].iloc[:len(planted)]) == planted)
            flagged[task].append(bool(part.loc[part["criterion"].isin(planted), "systematic"].all()))
            null_flags += part.loc[~part["criterion"].isin(planted), "systematic"].tolist()
    rates = {t: (np.mean(top[t]), np.mean(flagged[t])) for t in PLANTED}
    assert all(a >= 0.8 and b >= 0.8 for a, b in rates.values()), f"(ranked first, flagged) per task: {rates}"
    assert np.mean(null_flags) <= 0.05, f"unplanted criteria flagged in {np.mean(null_flags):.3f} of {len(null_flags)}"


def test_criteria_table_shape_and_order(shipped):
    c = shipped.tables["criteria"]
    assert list(c.columns) == CRITERIA_COLUMNS
    assert list(dict.fromkeys(c["task"])) == ["importance_rating", "rating", "ranking"]
    for _, part in c.groupby("task"):
        assert part["between_share"].is_monotonic_decreasing
    assert c["between_share"].between(0, 1).all() and c["p_permutation"].between(0.001, 1).all()


def test_pairs_name_the_planted_contrasts_first(shipped):
    pairs = shipped.tables["pairs"]
    top = pairs.head(10)
    assert top["cliffs_delta"].abs().min() >= pairs["cliffs_delta"].abs().iloc[10:].max()
    assert set(top["criterion"]) <= set(IMPORTANCE_PLANT) | set(RANKING_PLANT) | set(RATING_PLANT)
    wayfinding = pairs[(pairs["task"] == "importance_rating") & (pairs["criterion"] == "wayfinding")]
    assert (wayfinding.loc[wayfinding["group_b"] == "newcomers", "difference"] < -1.5).all()


def test_consensus_rankings_follow_the_plant(shipped):
    cons = shipped.tables["consensus"]
    first = cons[(cons["consensus_rank"] == 1) & (cons["task"] == "ranking")].set_index(["criterion", "group"])["option"]
    assert first[("accessibility", "wheelchair_users")] == "image_2"
    assert first[("comfort", "seniors")] == "image_4"
    assert first[("inclusivity", "lgbtqia2_residents")] == "image_6"
    strengths = cons.groupby(["task", "criterion", "group"])["strength"].sum()
    assert strengths.to_numpy() == pytest.approx(np.ones(len(strengths)))


def test_identical_groups_survey_gives_no_disagreement():
    """Every group answers exactly like the others: share 0, p 1, nothing systematic."""
    answers = [("importance_rating", "", c, v) for c, v in (("a", 5), ("b", 2), ("c", 4))]
    rows = []
    for g in ("g1", "g2", "g3"):
        for k, shift in enumerate((0, 1, -1)):
            for task, target, criterion, value in answers:
                rows.append([f"{g}-{k}", g, task, target, criterion, value + shift, 1, 7])
            for j, target in enumerate(("x", "y", "z")):
                rows.append([f"{g}-{k}", g, "ranking", target, "a", (j + k) % 3 + 1, None, None])
    survey = survey_from_frame(pd.DataFrame(rows, columns=["participant", "group", "task", "target", "criterion",
                                                           "value", "scale_min", "scale_max"]))
    c = survey_report(survey, ReportConfig(permutations=499)).tables["criteria"]
    assert c["between_share"].to_numpy() == pytest.approx(np.zeros(len(c)), abs=1e-12)
    assert (c["p_permutation"] == 1.0).all() and not c["systematic"].any()


def test_cli_report_prints_tables_and_writes_every_csv(tmp_path):
    out = tmp_path / "rep"
    result = runner.invoke(app, ["survey", "report", str(SYNTHETIC), "--out", str(out), "--permutations", "199"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "35 participants in 4 groups" in text
    assert "importance_rating: share of variance explained by group" in text
    assert "Groups that differ most" in text and "Kendall's W" in text
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{t}.csv" for t in TABLES] + ["survey_report.json"])
    meta = json.loads((out / "survey_report.json").read_text())
    assert meta["participants"] == 35 and meta["permutations"] == 199
    criteria = pd.read_csv(out / "criteria.csv")
    assert {"task", "criterion", "between_share", "p_permutation", "kruskal_h", "kruskal_p",
            "alpha_overall"} <= set(criteria.columns)


def test_the_report_is_reproducible_with_its_seed():
    survey = load_survey(SYNTHETIC)
    a = survey_report(survey, ReportConfig(permutations=99, seed=5)).tables["criteria"]
    b = survey_report(survey, ReportConfig(permutations=99, seed=5)).tables["criteria"]
    pd.testing.assert_frame_equal(a, b)


def _random_survey(seed: int) -> pd.DataFrame:
    """A small valid survey with missing answers, uneven groups and partial rankings."""
    rng = np.random.default_rng(seed)
    rows = []
    groups = [f"g{k}" for k in range(rng.integers(2, 5))]
    criteria = ["a", "b", "c", "d"][:rng.integers(2, 5)]
    targets = ["x", "y", "z"]
    for p in range(rng.integers(3, 12)):
        g = groups[p % len(groups)] if p < len(groups) else groups[rng.integers(len(groups))]
        for c in criteria:
            if rng.random() < 0.85:
                rows.append([f"p{p}", g, "importance_rating", "", c, int(rng.integers(1, 6)), 1, 5])
            for t in targets:
                if rng.random() < 0.7:
                    rows.append([f"p{p}", g, "rating", t, c, int(rng.integers(-2, 3)), -2, 2])
        ranked = rng.permutation(targets)[:rng.integers(1, 4)]
        rows += [[f"p{p}", g, "ranking", t, criteria[0], k + 1, None, None] for k, t in enumerate(ranked)]
        order = rng.permutation(criteria)[:rng.integers(2, len(criteria) + 1)]
        rows += [[f"p{p}", g, "importance_rank", "", c, k + 1, None, None] for k, c in enumerate(order)]
    return pd.DataFrame(rows, columns=["participant", "group", "task", "target", "criterion", "value", "scale_min",
                                       "scale_max"])


@pytest.mark.parametrize("seed", range(25))
def test_any_valid_survey_gives_a_well_formed_report(seed):
    report = survey_report(survey_from_frame(_random_survey(seed)), ReportConfig(permutations=49, seed=seed))
    c = report.tables["criteria"]
    shares, p = c["between_share"].dropna(), c["p_permutation"].dropna()
    assert shares.between(-1e-12, 1 + 1e-12).all() and p.between(1 / 50, 1).all()
    alphas = report.tables["agreement"][["alpha_ordinal", "alpha_interval"]].stack().dropna()
    assert (alphas <= 1 + 1e-12).all()
    w = report.tables["agreement"]["kendall_w"].dropna()
    assert w.between(-1e-12, 1 + 1e-12).all()
    strengths = report.tables["consensus"].groupby(["task", "criterion", "group"])["strength"].sum()
    assert strengths.to_numpy() == pytest.approx(np.ones(len(strengths)))
