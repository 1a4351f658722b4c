"""The planner's workbench in the dashboard (AppTest): decision summary, Compare from a link, human seat, rerun."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from sim.analysis.labels import Labels  # noqa: E402
from sim.cli.commands import app as cli  # noqa: E402
from sim.core.records import read_summary, read_transcript, write_run  # noqa: E402
from sim.core.scenario import load_scenario, scenario_to_yaml  # noqa: E402
from sim.run.runner import RunConfig, run_negotiation  # noqa: E402
from sim.run.votes import vote_name  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboards" / "app.py")
TINY_EXAMPLE = ROOT / "scenarios" / "tiny_example.yaml"
MONTREAL = ROOT / "scenarios" / "montreal_streets.yaml"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    for name, path, seed in (("montreal", MONTREAL, 7), ("tiny-a", TINY_EXAMPLE, 0), ("tiny-b", TINY_EXAMPLE, 5)):
        write_run(run_negotiation(load_scenario(path), RunConfig(seed=seed)), root / name, str(path))
    return root


def open_app(runs: Path, monkeypatch, run: str | None = None, query: dict | None = None) -> AppTest:
    monkeypatch.setenv("NEGSIM_RUNS", str(runs))
    at = AppTest.from_file(APP, default_timeout=120)
    if run:
        at.session_state["run"] = run
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.sidebar.radio(key="page").set_value(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_decision_summary_lists_exactly_the_package_and_the_change_from_the_best_base(runs, monkeypatch):
    at = goto(open_app(runs, monkeypatch, run="montreal"), "Outcomes")
    summary = read_summary(runs / "montreal")
    labels = {i.id: i.label for i in load_scenario(MONTREAL).items}
    funded = next(d.value for d in at.dataframe if "item" in d.value.columns)
    assert list(funded["item"]) == [labels[i] for i in summary["package"]]
    assert list(funded["cost (CAD)"]) == [next(i.cost for i in load_scenario(MONTREAL).items if i.id == k)
                                          for k in summary["package"]]
    base = summary["baselines"][summary["best_base"]]["package"]
    change = "\n".join(m.value for m in at.markdown if "**+ add**" in m.value or "**− drop**" in m.value)
    added = [labels[i] for i in summary["package"] if i not in base]
    dropped = [labels[i] for i in base if i not in summary["package"]]
    assert added and dropped                                  # the default run changes the base design both ways
    assert sorted(line.split("] ", 1)[1] for line in change.splitlines() if "+ add" in line) == sorted(added)
    assert sorted(line.split("] ", 1)[1] for line in change.splitlines() if "− drop" in line) == sorted(dropped)
    assert f"round {summary['rounds']}" in at.success[0].value
    helps = {m.label: m.help for m in at.metric}
    assert set(helps) == {Labels.metric(k) for k in ("total", "worst_group", "p20", "gini")} and all(helps.values())
    votes = summary["benchmark"]["votes"]                    # the vote to beat, in words and points
    neg, best = votes["negotiated"], votes["ballots"][votes["best"]]
    line = next(i.value for i in at.info if i.value.startswith("Negotiated vs best vote"))
    assert f"({vote_name(votes['best'])})" in line and votes["best"] not in line
    assert f"total utility {neg['total']:.2f} vs {best['total']:.2f} points" in line
    assert f"worst group {neg['worst_group']:.2f} vs {best['worst_group']:.2f} points" in line


def test_compare_view_opens_from_a_shared_link(runs, monkeypatch):
    at = open_app(runs, monkeypatch, query={"page": "Compare", "runs": ["tiny-a", "montreal"]})
    assert at.sidebar.radio(key="page").value == "Compare"
    assert at.multiselect(key="compare_runs").value == ["tiny-a", "montreal"]
    settings = at.table[0].value
    assert list(settings.columns) == ["tiny-a", "montreal"]
    m = read_summary(runs / "montreal")["metrics"]
    assert settings.loc[Labels.metric("gini"), "montreal"] == f"{m['gini']:.3f}"
    packages = at.table[2].value
    assert "yes" in set(packages["differs"])
    goto(at, "Runs")
    at = goto(at, "Compare")                                  # the selection survives leaving the page
    assert at.multiselect(key="compare_runs").value == ["tiny-a", "montreal"]


def _play_to_the_end(at: AppTest, group: str) -> list[dict]:
    """Object once with the first offered amendment, then accept every draft."""
    at.selectbox(key="play_scenario").set_value("tiny_example.yaml").run()
    at.selectbox(key="play_group").set_value(group)
    button(at, "Take the seat").click().run()
    answers = []
    for _ in range(20):
        if any("Saved as" in s.value for s in [*at.success, *at.error]):
            return answers
        first, n = not answers, len(answers)
        assert at.radio(key=f"play_kind_{n}").value == "accept"              # a fresh answer every round
        assert at.multiselect(key=f"play_amendments_{n}").value == []
        assert at.text_input(key=f"play_reason_{n}").value == ""
        rounds = at.session_state["play_rounds"]
        assert any(h.value.startswith(f"Round {n + 1} of {rounds}") for h in at.subheader)
        at.radio(key=f"play_kind_{n}").set_value("object" if first else "accept")
        if first:
            option = at.multiselect(key=f"play_amendments_{n}").options[0]
            at.multiselect(key=f"play_amendments_{n}").set_value([option])
            at.text_input(key=f"play_reason_{n}").set_value("my first objection")
        button(at, "Send").click().run()
        assert not at.exception, [e.value for e in at.exception]
        answers.append("object" if first else "accept")
    raise AssertionError("the negotiation did not end")


def test_human_seat_plays_a_scripted_negotiation_and_its_run_validates(runs, monkeypatch, tmp_path):
    at = goto(open_app(runs, monkeypatch), "Play a stakeholder")
    answers = _play_to_the_end(at, "families")
    folder = runs / at.session_state["run"]
    summary, transcript = read_summary(folder), read_transcript(folder)
    assert summary["human"] == {"group": "families", "answers": len(answers)}
    assert summary["agents"]["families"] == "human"
    mine = [r for r in transcript if r["agent"] == "families" and r["round"] >= 1]
    assert [r["kind"] for r in mine][:1] == ["object"] and all(r["meta"]["human"] for r in mine)
    assert len(mine[0]["amendments"]) == 1                   # the engine kept the legal amendment
    res = CliRunner().invoke(cli, ["validate", str(folder / "scenario.yaml")])
    assert res.exit_code == 0, res.output
    # the saved run is the pure function of seed and answers: the CLI replays it exactly from a script
    script = tmp_path / "answers.json"
    script.write_text(json.dumps([{k: r.get(k) for k in ("kind", "amendments", "reason")} for r in mine]))
    res = CliRunner().invoke(cli, ["run", str(TINY_EXAMPLE), "--seed", str(summary["seed"]), "--agents",
                                   f"heuristic,families=human:{script}", "--out", str(tmp_path / "replay"), "--quiet"])
    assert res.exit_code == 0, res.output
    assert read_transcript(tmp_path / "replay") == transcript


def test_compare_adds_city_designs_shows_differences_and_warns_across_scenarios(runs, monkeypatch):
    at = open_app(runs, monkeypatch, query={"page": "Compare", "runs": ["montreal", "tiny-a"]})
    assert any("2 different scenarios" in w.value for w in at.warning)
    at.multiselect(key="compare_runs").set_value(["montreal"]).run()
    assert not at.warning
    at.multiselect(key="compare_designs").set_value(["main_street"]).run()
    groups = at.table[1].value
    s = read_summary(runs / "montreal")
    label = "Families with young children"
    expected = s["baselines"]["main_street"]["per_group"]["families"] - s["per_group"]["families"]
    column = next(c for c in groups.columns if c.startswith("difference"))
    assert float(groups.loc[label, column]) == pytest.approx(expected, abs=1e-3)       # shown to 3 decimals
    assert "city design Main street" in at.table[0].value.columns
    assert at.get("plotly_chart")


def test_a_game_objected_in_every_round_warns_before_the_last_and_ends_as_a_failure(runs, monkeypatch):
    at = goto(open_app(runs, monkeypatch), "Play a stakeholder")
    at.selectbox(key="play_scenario").set_value("tiny_example.yaml").run()
    button(at, "Take the seat").click().run()
    rounds = at.session_state["play_rounds"]
    for n in range(rounds):
        warnings = " ".join(w.value for w in at.warning)
        assert ("next round" in warnings) == (n + 1 == rounds - 1)
        assert ("This is the last round" in warnings) == (n + 1 == rounds)
        at.radio(key=f"play_kind_{n}").set_value("object")
        button(at, "Send").click().run()
        assert not at.exception, [e.value for e in at.exception]
    assert not at.success and at.error[0].value.startswith(f"No agreement after {rounds} rounds")


def test_counterfactual_rerun_records_parent_and_row_and_differs_where_it_matters(runs, monkeypatch):
    at = goto(open_app(runs, monkeypatch, run="montreal"), "Negotiation")
    parent = read_transcript(runs / "montreal")
    last = max(r["round"] for r in parent)
    row = next(i for i, r in enumerate(parent) if r["round"] == last and r["kind"] == "accept")
    draft = set(next(r for r in reversed(parent[:row]) if r["kind"] == "draft")["package"])
    outside = next(i.id for i in load_scenario(MONTREAL).items if i.id not in draft)
    at.selectbox(key="rerun_row").set_value(row).run()
    at.radio(key="rerun_kind").set_value("object").run()
    at.multiselect(key="rerun_amendments").set_value([f"add:{outside}"]).run()
    at.button(key="rerun_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.radio(key="page").value == "Compare"
    chosen = at.multiselect(key="compare_runs").value
    assert chosen[0] == "montreal" and len(chosen) == 2
    child = runs / chosen[1]
    summary, transcript = read_summary(child), read_transcript(child)
    assert summary["parent"] == str(runs / "montreal") and summary["edited"]["row"] == row
    assert summary["edited"]["move"]["amendments"] == [f"add:{outside}"]
    assert transcript[:row] == parent[:row]
    assert transcript[row]["kind"] == "object" and transcript[row]["meta"] == {"edited": True}
    # the accept was needed for the unanimous agreement in the last round: the run goes on
    assert summary["rounds"] > read_summary(runs / "montreal")["rounds"] or not summary["agreement"]


def test_attribution_and_budget_cycles_are_computed_from_the_dashboard(runs, monkeypatch):
    at = goto(open_app(runs, monkeypatch, run="tiny-b"), "Attribution")
    assert any("No attribution" in i.value for i in at.info)
    at.button(key="attr_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert {p.name for p in (runs / "tiny-b").glob("attribution_*.csv")} == {
        "attribution_items.csv", "attribution_stakeholders.csv", "attribution_criteria.csv"}
    assert len(at.dataframe) == 3
    at = goto(at, "Repeated")
    at.number_input(key="cycles_periods").set_value(3)
    button(at, "Run budget cycles for this scenario").click().run()
    assert not at.exception, [e.value for e in at.exception]
    periods = at.dataframe[0].value
    assert list(periods["period"]) == [1, 2, 3] and "worst_off" in periods.columns


def test_worst_off_reports_ties_and_empty_periods():
    import pandas as pd

    from dashboards.extras import worst_off

    frame = pd.DataFrame({"package": ["a;b", "c", ""], "u_x": [1.0, 2.0, 0.0], "u_y": [3.0, 2.0, 0.0]})
    assert worst_off(frame) == ["x", "tie (2 groups)", "- (nothing funded)"]


def test_what_if_runs_a_seeded_budget_sweep_equal_to_run_many(runs, monkeypatch):
    import sim
    from dashboards.whatif import budgets

    at = goto(open_app(runs, monkeypatch, run="tiny-a"), "What if")
    scenario = load_scenario(TINY_EXAMPLE)
    at.slider(key="whatif_budget").set_value((scenario.budget, 1.2 * scenario.budget)).run()
    at.number_input(key="whatif_seeds").set_value(1).run()
    at.radio(key="whatif_voice").set_value("exaggerate").run()
    at.button(key="whatif_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = at.session_state["whatif_result"]
    values = budgets(scenario.budget, 1.2 * scenario.budget, 3)
    assert sorted(shown["budget"].unique()) == values
    alone = sim.run_many(scenario, {"budget": [values[-1]], "mediator": ["negotiated"], "information": ["private"],
                                    "voice": ["exaggerate"]}, seeds=1, seed=scenario.protocol.seed)
    assert (shown["error"].astype(str) == "").all() and (shown["voice"] == "exaggerate").all()
    row = shown[shown["budget"] == values[-1]].iloc[0]
    assert row["total"] == alone["total"].iloc[0] and row["package"] == alone["package"].iloc[0]
    assert at.get("plotly_chart") and "budget (CAD)" in at.dataframe[0].value.columns


def test_play_a_full_game_against_rule_and_llm_opponents(runs, monkeypatch):
    """Cyclists played by an LLM (an OpenAI-compatible stand-in that accepts: the real client path, no model),
    merchants by the early conceder, the rest by the default rule agent; the person accepts every draft."""
    pytest.importorskip("langchain_openai")
    from tests.agents.openai_stand_in import Reply, StandIn

    with StandIn([Reply()]) as model:
        monkeypatch.setenv("NEGSIM_PLAY_LLM", f"openai-compatible:stand-in@{model.url}")
        at = goto(open_app(runs, monkeypatch), "Play a stakeholder")
        at.selectbox(key="play_scenario").set_value("montreal_streets.yaml").run()
        assert any(o.startswith("LLM (openai-compatible") for o in at.selectbox(key="play_opponent_cyclists").options)
        scenario = load_scenario(MONTREAL)
        lineup = {g: "heuristic" for g in scenario.group_ids if g != "wheelchair_users"}
        lineup.update(cyclists="llm", merchants="heuristic:conceder")
        at.session_state["play"] = {"yaml": scenario_to_yaml(scenario), "group": "wheelchair_users",
                                    "agents": "heuristic", "lineup": lineup,
                                    "seed": 7, "answers": [], "folder": None}
        at.run()
        for n in range(12):
            if any("Saved as" in e.value for e in [*at.success, *at.error]):
                break
            button(at, "Send").click().run()
            assert not at.exception, [e.value for e in at.exception]
        assert any("Saved as" in e.value for e in [*at.success, *at.error])
        summary = read_summary(runs / at.session_state["run"])
    assert summary["agents"]["cyclists"] == "llm" and summary["agents"]["merchants"] == "heuristic:conceder"
    assert summary["agents"]["wheelchair_users"] == "human" and summary["llm"]["calls"] > 0
    assert model.seen and summary["llm"]["fallbacks"] == 0
