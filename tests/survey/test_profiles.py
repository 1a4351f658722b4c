"""`negsim survey scenario`: members from respondents, group weights and their bootstrap prior, group_effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli.commands import app
from sim.core.context import make_context
from sim.core.evaluate import evaluate_designs
from sim.core.scenario import Quorum, load_scenario
from sim.survey import luce
from sim.survey.data import load_survey, survey_from_frame
from sim.survey.format import SurveyError
from sim.survey.profiles import effect_of_rating, member_weights
from sim.survey.synthetic import IMPORTANCE_PLANT, SyntheticConfig, synthetic_survey
from sim.survey.to_scenario import ProfileConfig, survey_scenario
from tests.conftest import ROOT

runner = CliRunner()
SYNTHETIC = ROOT / "scenarios" / "surveys" / "montreal_survey_synthetic.csv"
TINY_SURVEY = ROOT / "scenarios" / "surveys" / "tiny_survey.csv"
MONTREAL = ROOT / "scenarios" / "montreal_streets.yaml"
TINY = ROOT / "scenarios" / "tiny_example.yaml"


@pytest.fixture(scope="module")
def montreal():
    return survey_scenario(load_survey(SYNTHETIC), load_scenario(MONTREAL), str(MONTREAL))


def test_importance_ratings_become_normalised_weights_by_hand():
    members = member_weights(load_survey(TINY_SURVEY), "importance_rating", ["accessibility", "greenery", "liveliness"])
    w = dict(zip(members.participants, members.weights))
    # a1 rated 5, 3, 1 on 1-5: rescaled 1, 0.5, 0 -> 2/3, 1/3, 0
    assert w["a1"] == pytest.approx([2 / 3, 1 / 3, 0.0])
    # m2 rated 1, 3, 5: 0, 0.5, 1 -> 0, 1/3, 2/3
    assert w["m2"] == pytest.approx([0.0, 1 / 3, 2 / 3])
    assert members.groups == ("wheelchair_users", "wheelchair_users", "families", "families", "merchants", "merchants")


def test_importance_ranks_become_plackett_luce_strengths():
    members = member_weights(load_survey(TINY_SURVEY), "importance_rank", ["accessibility", "greenery", "liveliness"], 1.0)
    w = dict(zip(members.participants, members.weights))
    assert set(w) == {"a1", "m1"}                                    # only they ranked
    assert w["a1"] == pytest.approx(luce.strengths(3, [(0, 1, 2)], 1.0))
    # m1 ranked liveliness first, accessibility second, left greenery out: it shares the third position
    third = luce.position_strengths(3, 2, 1.0)
    assert w["m1"] == pytest.approx([third[1], third[2], third[0]])
    assert any("no importance_rank answers" in n for n in members.notes)


def test_effect_scale_mapping_known_answers():
    assert effect_of_rating(1, 1, 5, 5) == 0 and effect_of_rating(5, 1, 5, 5) == 5 and effect_of_rating(3, 1, 5, 4) == 2
    assert effect_of_rating(2, -2, 2, 5) == 5 and effect_of_rating(0, -2, 2, 5) == 0
    assert effect_of_rating(-1, -2, 2, 5) == -2.5                  # harm stays harm


def test_p20_is_computed_over_exactly_the_surveys_participants(montreal):
    """Round trip: the members are the respondents, and P20 equals a hand computation from the survey file."""
    scenario = montreal.scenario
    ctx = make_context(scenario)
    rubric = ctx.rubric
    raw = pd.read_csv(SYNTHETIC, comment="#")
    imp = raw[raw["task"] == "importance_rating"]
    assert rubric.unit_values.shape[0] == imp["participant"].nunique() == 35
    sizes = imp.drop_duplicates("participant")["group"].value_counts()
    assert {g: int((rubric.unit_group == i).sum()) for i, g in enumerate(rubric.group_ids)} == sizes.to_dict()
    # by hand: (value - 1) / 6, normalised per participant, times each group's effect rows
    z = imp.assign(w=(imp["value"] - 1) / 6).pivot(index="participant", columns="criterion", values="w")
    z = z.div(z.sum(axis=1), axis=0)[list(scenario.criterion_ids)]
    group_of = imp.drop_duplicates("participant").set_index("participant")["group"]
    designs = {name: rubric.package(ids) for name, ids in scenario.base_designs.items()}
    units = []
    for participant, w in z.iterrows():
        g = group_of[participant]
        E = np.array([[float(item.group_effects.get(g, item.effects).get(c, 0.0)) for c in scenario.criterion_ids]
                      for item in scenario.items])
        units.append([float(x @ E @ w.to_numpy()) for x in designs.values()])
    U = np.array(units).T                                             # designs x participants
    S = (U - U.min(axis=0)) / np.where(U.max(axis=0) > U.min(axis=0), U.max(axis=0) - U.min(axis=0), 1)
    reports = evaluate_designs(ctx, designs, {n: "base" for n in designs})
    for i, name in enumerate(designs):
        # members carry weights rounded to 6 decimals in the YAML
        assert reports[name].metrics.p20 == pytest.approx(np.percentile(S[i], 20, method="linear"), abs=1e-5)


def test_group_weights_order_the_criteria_as_planted(montreal):
    weights = montreal.priors.pivot(index="criterion", columns="group", values="weight")
    tops = {"wheelchair_users": "accessibility", "seniors": "comfort", "lgbtqia2_residents": "inclusivity",
            "newcomers": "wayfinding"}
    for group, criterion in tops.items():
        assert weights[group].idxmax() == criterion, weights[group].sort_values()
    for criterion, offsets in IMPORTANCE_PLANT.items():
        order = sorted(weights.columns, key=lambda g: -offsets.get(g, 0.0))
        for a, b in zip(order, order[1:]):
            if offsets.get(a, 0.0) - offsets.get(b, 0.0) >= 1.0:     # planted at least a point apart
                assert weights.loc[criterion, a] > weights.loc[criterion, b], (criterion, a, b)


def test_prior_is_the_members_mean_with_its_bootstrap_standard_error(montreal):
    scenario = montreal.scenario
    for group in scenario.groups:
        W = np.array([[m.get(c, 0.0) for c in scenario.criterion_ids] for m in group.members])
        mean = W.mean(axis=0)
        assert [group.prior.weights[c] for c in scenario.criterion_ids] == pytest.approx(mean, abs=1e-6)
        assert [group.weights.get(c, 0.0) for c in scenario.criterion_ids] == pytest.approx(mean, abs=1e-6)
        analytic = W.std(axis=0, ddof=1) / np.sqrt(len(W))            # the standard error of a mean
        sd = np.array([group.prior.sd[c] for c in scenario.criterion_ids])
        assert sd == pytest.approx(analytic * np.sqrt((len(W) - 1) / len(W)), rel=0.15)
        assert "bootstrap" in group.prior.source and str(SYNTHETIC) in group.prior.source
    again = survey_scenario(load_survey(SYNTHETIC), load_scenario(MONTREAL), str(MONTREAL))
    assert again.scenario == scenario                                 # seeded bootstrap


def test_ratings_of_items_become_group_effects(montreal):
    scenario = montreal.scenario
    items = {item.id: item for item in scenario.items}
    raw = pd.read_csv(SYNTHETIC, comment="#")
    rated = raw[(raw["task"] == "rating") & (raw["target"] == "cctv_cameras") & (raw["criterion"] == "inclusivity")]
    mean = rated[rated["group"] == "lgbtqia2_residents"]["value"].mean()
    row = items["cctv_cameras"].group_effects["lgbtqia2_residents"]
    assert row["inclusivity"] == pytest.approx(round(5 * mean / 2, 3))   # -2..2 scale, largest effect 5
    assert row["inclusivity"] < -2                                     # planted: surveillance is felt as exclusion
    assert row["security"] == 1.0                                      # unrated criteria keep the base row
    assert set(items["curb_ramps"].group_effects) == {g.id for g in scenario.groups}
    assert "merchants" not in items["protected_bike_lane"].group_effects   # dropped group, dropped effects


def test_what_people_say_changes_the_profiles():
    base = load_scenario(MONTREAL)
    frame = synthetic_survey(base, SyntheticConfig())
    flipped = frame.copy()
    mask = (flipped["group"] == "newcomers") & (flipped["task"] == "importance_rating") & (flipped["criterion"] == "wayfinding")
    flipped.loc[mask, "value"] = 1                                     # newcomers now say wayfinding does not matter
    a = survey_scenario(survey_from_frame(frame), base, "x").scenario
    b = survey_scenario(survey_from_frame(flipped), base, "x").scenario
    wa = {g.id: g.weights for g in a.groups}["newcomers"]["wayfinding"]
    wb = {g.id: g.weights.get("wayfinding", 0.0) for g in b.groups}["newcomers"]
    assert wa > 0.1 and wb == 0.0


def test_rank_based_importance_works_end_to_end():
    base = load_scenario(MONTREAL)
    survey = survey_from_frame(synthetic_survey(base, SyntheticConfig(importance="importance_rank")))
    result = survey_scenario(survey, base, str(MONTREAL), ProfileConfig(importance="importance_rank"))
    weights = result.priors.pivot(index="criterion", columns="group", values="weight")
    assert weights["newcomers"].idxmax() == "wayfinding" and weights["wheelchair_users"].idxmax() == "accessibility"
    assert "Plackett-Luce" in result.scenario.sources[-2]


def test_keep_unsurveyed_groups_and_quorum(tmp_path):
    base = load_scenario(MONTREAL)
    kept = survey_scenario(load_survey(SYNTHETIC), base, "x", ProfileConfig(keep_unsurveyed=True)).scenario
    assert kept.group_ids == base.group_ids
    assert kept.groups[4].dispersion is not None and kept.groups[0].members is not None


def test_unknown_criteria_and_missing_importance_are_errors():
    base = load_scenario(TINY)
    raw = TINY_SURVEY.read_text().replace("a1,wheelchair_users,importance_rating,,greenery",
                                          "a1,wheelchair_users,importance_rating,,shade")
    bad = survey_from_frame(pd.read_csv(pd.io.common.StringIO(raw), comment="#", dtype=str, keep_default_na=False))
    with pytest.raises(SurveyError, match="row 2, column criterion: unknown criterion 'shade'"):
        survey_scenario(bad, base, "tiny")
    frame = pd.read_csv(TINY_SURVEY, comment="#", dtype=str, keep_default_na=False)
    no_importance = survey_from_frame(frame[~frame["task"].str.startswith("importance")])
    with pytest.raises(SurveyError, match="no importance_rating or importance_rank answers"):
        survey_scenario(no_importance, base, "tiny")


def test_cli_scenario_writes_a_valid_scenario_that_runs(tmp_path):
    out = tmp_path / "from_survey.yaml"
    priors = tmp_path / "priors.csv"
    result = runner.invoke(app, ["survey", "scenario", str(SYNTHETIC), "--base", str(MONTREAL), "--out", str(out),
                                 "--priors", str(priors)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(priors)
    assert len(table) == 4 * 12 and (table["lo"] <= table["weight"]).all() and (table["weight"] <= table["hi"]).all()
    text = " ".join(result.output.split())
    assert "35 members in 4 groups" in text and "run it: negsim run" in text
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    data = yaml.safe_load(out.read_text())
    assert any(str(SYNTHETIC) in s for s in data["sources"])
    run = runner.invoke(app, ["run", str(out), "--out", str(tmp_path / "run"), "--quiet"])
    assert run.exit_code == 0, run.output
    assert (tmp_path / "run" / "summary.json").is_file()
    bad = runner.invoke(app, ["survey", "scenario", str(SYNTHETIC), "--base", str(MONTREAL), "--out",
                              str(tmp_path / "x.yaml"), "--importance", "votes"])
    assert bad.exit_code == 2 and "--importance" in bad.output and not (tmp_path / "x.yaml").exists()


def test_a_quorum_above_the_groups_left_is_lowered():
    tiny = load_scenario(TINY)
    base = tiny.model_copy(update={"protocol": tiny.protocol.model_copy(update={"acceptance": Quorum(quorum=3)})})
    frame = pd.read_csv(TINY_SURVEY, comment="#", dtype=str, keep_default_na=False)
    result = survey_scenario(survey_from_frame(frame[frame["group"] != "merchants"]), base, "tiny")
    assert result.scenario.group_ids == ["wheelchair_users", "families"]
    assert result.scenario.protocol.acceptance.quorum == 2
    assert any("quorum 3 lowered to the 2 groups left" in n for n in result.notes)
    assert any("dropped: merchants" in n for n in result.notes)
