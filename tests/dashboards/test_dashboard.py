"""Dashboard pages driven with Streamlit's AppTest, and its data layer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from dashboards import data  # noqa: E402
from sim.analysis.labels import Labels, design_name  # noqa: E402
from sim.cli.commands import app as cli  # noqa: E402
from sim.core.context import make_context  # noqa: E402
from sim.core.evaluate import evaluate_package  # noqa: E402
from sim.core.records import write_run  # noqa: E402
from sim.core.scenario import load_scenario  # noqa: E402
from sim.report.evaluation import evaluation_dict  # noqa: E402
from sim.run.runner import RunConfig, run_negotiation  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboards" / "app.py")
TINY = ROOT / "tests" / "data" / "tiny.yaml"
MONTREAL = ROOT / "scenarios" / "montreal_streets.yaml"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    for name, path, seed in (("montreal", MONTREAL, 7), ("tiny-a", TINY, 0), ("tiny-b", TINY, 3)):
        write_run(run_negotiation(load_scenario(path), RunConfig(seed=seed)), root / name, str(path))
    return root


def open_app(runs: Path, monkeypatch, run: str | None = None) -> AppTest:
    monkeypatch.setenv("NEGSIM_RUNS", str(runs))
    at = AppTest.from_file(APP, default_timeout=120)
    if run:
        at.session_state["run"] = run
    at.run()
    assert not at.exception, at.exception
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.sidebar.radio(key="page").set_value(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [h.value for h in at.header] + [h.value for h in at.subheader]
    parts += [e.value for kind in (at.info, at.success, at.warning, at.error) for e in kind]
    return "\n".join(str(p) for p in parts)


def test_runs_page_lists_filters_and_picks(runs, monkeypatch):
    at = open_app(runs, monkeypatch)
    frame = at.dataframe[0].value
    assert set(frame["run"]) == {"montreal", "tiny-a", "tiny-b"}
    at.multiselect(key="runs_scenarios").set_value(["Tiny"]).run()      # the scenario in words, not its id
    assert set(at.dataframe[0].value["run"]) == {"tiny-a", "tiny-b"}
    at.selectbox(key="runs_open").set_value("tiny-b").run()
    assert at.session_state["run"] == "tiny-b"
    assert list(frame.columns) == data.RUN_COLUMNS                  # every column, none cut


def test_negotiation_page_round_slider_shows_that_round(runs, monkeypatch):
    at = goto(open_app(runs, monkeypatch, run="montreal"), "Negotiation")
    transcript = [json.loads(l) for l in (runs / "montreal" / "transcript.jsonl").read_text().splitlines()]
    last = max(e["round"] for e in transcript)
    at.slider(key="round").set_value(last).run()
    shown = texts(at)
    assert f"Round {last}" in shown
    final = [e for e in transcript if e["round"] == last and e.get("kind") == "accept"]
    assert final and all(e["reason"] in shown for e in final[:3])
    at.slider(key="round").set_value(1).run()
    assert "Round 1" in texts(at) and "opening from the best base design" in texts(at)


def test_negotiation_page_shows_llm_value_consistency(tmp_path, monkeypatch):
    pytest.importorskip("langchain_core")
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from agents.llm.factory import make_client

    answer = '{"decision": "accept", "reason": "ok"}'
    position = '{"priorities": {"a": 1, "b": 1, "c": 1}, "must_have": [], "never": [], "reason": "p"}'

    class Model(FakeListChatModel):
        def _call(self, messages, stop=None, run_manager=None, **kwargs):
            return position if "Round 0: opening" in str(messages[-1].content) else answer
    client = make_client("fake", seed=0, model=Model(responses=["x"]))
    result = run_negotiation(load_scenario(TINY), RunConfig(seed=0, max_rounds=2, agents="llm",
                                                            agent_options={"llm": client}))
    summary = write_run(result, tmp_path / "llm-run", str(TINY))
    at = goto(open_app(tmp_path, monkeypatch, run="llm-run"), "Negotiation")
    table = at.dataframe[0].value
    overall = summary["llm"]["consistency"]["overall"]
    assert sorted(table["group"]) == ["fun", "green", "overall", "wheel"]
    row = table.set_index("group").loc["overall"]
    assert row["accept_agreement"] == pytest.approx(overall["accept_agreement"])
    assert "truthful rule agent" in texts(at)


def test_outcomes_page_shows_metrics_of_every_design(runs, monkeypatch):
    at = goto(open_app(runs, monkeypatch, run="montreal"), "Outcomes")
    summary = json.loads((runs / "montreal" / "summary.json").read_text())
    total, worst = Labels.metric("total"), Labels.metric("worst_group")
    table = next(d.value for d in at.dataframe if total in d.value.index)
    assert list(table.columns) == ["Negotiated package", *(design_name(d) for d in summary["baselines"])]
    assert table.loc[total, "Negotiated package"].startswith(f"{summary['metrics']['total']:.3f}")
    assert "✓" in table.loc[worst, "Negotiated package"]        # the negotiated package is best here


def test_lab_metrics_equal_negsim_evaluate(runs, monkeypatch):
    at = goto(open_app(runs, monkeypatch, run="montreal"), "Proposal lab")
    at.selectbox(key="lab_source").set_value("montreal_streets.yaml").run()
    ids = ["curb_ramps", "benches", "pedestrian_lighting", "rainbow_crosswalk", "street_trees"]
    for i in ids:
        at.checkbox(key=f"lab_{i}").check()
    at.run()
    shown = at.session_state["lab_report"]
    res = CliRunner().invoke(cli, ["evaluate", str(MONTREAL), "--package", ",".join(ids), "--json"])
    expected = json.loads(res.output)
    assert shown["metrics"] == expected["metrics"] and shown["per_group"] == expected["per_group"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[Labels.metric("worst_group")] == f"{expected['metrics']['worst_group']:.3f}"
    assert metrics[Labels.metric("gini")] == f"{expected['metrics']['gini']:.3f}"


def test_lab_explains_infeasible_choices_and_runs_a_negotiation(runs, monkeypatch):
    at = goto(open_app(runs, monkeypatch, run="tiny-a"), "Proposal lab")
    for i in ("ramp", "lane", "trees"):
        at.checkbox(key=f"lab_{i}").check()
    at.run()
    errors = [e.value for e in at.error]
    assert any("lane excludes ramp" in e or "ramp excludes lane" in e for e in errors)
    assert any("exceeds the budget" in e for e in errors)
    at.checkbox(key="lab_lane").uncheck().run()
    at.button(key="lab_run").click().run()
    assert not at.exception
    new = at.session_state["run"]
    assert new.startswith("lab-tiny-") and (runs / new / "summary.json").is_file()
    transcript = (runs / new / "transcript.jsonl").read_text()
    assert "opening from the planner's proposal" in transcript
    at = goto(at, "Runs")
    assert new in set(at.dataframe[0].value["run"])


def test_broken_scenario_upload_shows_the_one_line_error(runs, monkeypatch):
    at = goto(open_app(runs, monkeypatch), "Scenario")
    broken = TINY.read_text().replace("cost: 40", "cost: -40")
    at.text_area(key="scenario_text").input(broken).run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "\n" not in errors[0]
    assert errors[0].startswith("pasted scenario: items[0].cost:") and "fix:" in errors[0]
    at.text_area(key="scenario_text").input(TINY.read_text()).run()
    assert not at.error and "valid scenario" in texts(at)


def test_attribution_and_repeated_pages_read_their_files(runs, monkeypatch, tmp_path):
    folder = runs / "tiny-a"
    pd.DataFrame({"by": ["items"] * 2, "player": ["ramp", "trees"], "metric": ["total"] * 2,
                  "value": [1.5, -0.5], "stderr": [np.nan, np.nan]}).to_csv(folder / "attribution_items.csv", index=False)
    pd.DataFrame({"period": [1, 2], "total": [3.0, 4.0], "worst_group": [1.0, 1.5],
                  "cum_worst_group": [1.0, 2.5]}).to_csv(folder / "periods.csv", index=False)
    try:
        at = goto(open_app(runs, monkeypatch, run="tiny-a"), "Attribution")
        assert list(at.dataframe[0].value["player"]) == ["ramp", "trees"]
        at = goto(at, "Repeated")
        assert list(at.dataframe[0].value["period"]) == [1, 2]
    finally:
        (folder / "attribution_items.csv").unlink()
        (folder / "periods.csv").unlink()


def test_sweep_folder_on_the_runs_page(runs, monkeypatch, tmp_path):
    from sim.run.sweep.executors import execute
    from sim.run.sweep.spec import build_plan, load_sweep

    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"name: s\nscenario: {TINY}\nseeds: 2\naxes:\n  - {{name: mediator, values: [negotiated, maximin]}}\n")
    execute(build_plan(load_sweep(sweep), sweep), runs / "sweeps" / "s")
    at = open_app(runs, monkeypatch)
    assert "sweeps/s" in at.selectbox(key="runs_sweep").options
    agg = at.dataframe[-1].value
    assert list(agg["mediator"]) == ["maximin", "negotiated"] and list(agg["runs"]) == [2, 2]


def test_data_layer_known_answers(runs):
    frame = data.list_runs(runs)
    assert frame.loc[frame["run"] == "montreal", "agreement"].item() is True
    view = data.load_run_view(runs / "montreal")
    series = data.round_series(view)
    assert set(series["group"]) == set(view.group_ids)
    table = data.metrics_table(view.summary)
    marks = data.best_marks(table)
    # the mark sits exactly on the designs with the best value, computed here from summary.json
    s = view.summary
    values = {"negotiated": s["metrics"], **{name: b["metrics"] for name, b in s["baselines"].items()}}
    for metric, better in (("total", max), ("worst_group", max), ("p20", max), ("gini", min)):
        best = better(v[metric] for v in values.values())
        expected = [d for d, v in values.items() if abs(v[metric] - best) < 1e-9]
        assert [d for d in marks.columns if marks.loc[metric, d].endswith("✓")] == expected, metric
    assert marks.loc["worst_group", "negotiated"].endswith("✓")          # beats every base design here
    ctx = make_context(view.scenario)
    x = ctx.rubric.package(view.summary["package"])
    assert evaluation_dict(evaluate_package(ctx, x), ctx)["per_group"] == pytest.approx(view.summary["per_group"])


def test_run_identity_names_the_scenario_in_words():
    from dashboards.data import run_identity

    line = run_identity("run-a", {"scenario": "montreal_streets", "mediator": "negotiated", "created": "2026-12-03T10:00"})
    assert "scenario Montreal streets" in line and "montreal_streets" not in line
    assert line.startswith("Run **run-a**") and "2026-12-03 10:00 UTC" in line


def test_a_broken_members_side_file_is_skipped_with_a_note(tmp_path, monkeypatch):
    """One damage here (the fuzzer's members family drives the same loader through many)."""
    from sim.core import members_file

    monkeypatch.setattr(members_file, "MEMBERS_INLINE_MAX", 1)      # even a few members go to members.csv
    s = load_scenario(TINY)
    crit = [c.id for c in s.criteria]
    s = s.model_copy(update={"groups": [g.model_copy(update={"members": [dict.fromkeys(crit, 1.0)] * 3})
                                        for g in s.groups]})
    write_run(run_negotiation(s, RunConfig(seed=0)), tmp_path / "city", str(TINY))
    side = tmp_path / "city" / members_file.MEMBERS_FILE
    side.write_text("who,what\n1,2\n")                            # wrong columns
    at = open_app(tmp_path, monkeypatch, run="city")
    for page in ("Outcomes", "Negotiation"):
        goto(at, page)
        notes = [w.value for w in at.warning]
        assert any("Skipped a broken run folder" in n and "members" in n for n in notes), notes
