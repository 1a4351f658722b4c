"""Run attributions (items, stakeholders, criteria), `negsim explain`, and no shap on cold paths."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.analysis.attribution import (
    CSV_COLUMNS,
    METRICS,
    AttributionError,
    attribute_criteria,
    attribute_items,
    base_package,
    load_run_data,
    metric_fn,
)
from sim.analysis.stakeholders import VoiceSetup, attribute_stakeholders, draft_influence
from sim.cli.commands import app
from sim.core.context import make_context
from sim.core.records import write_run
from sim.core.scenario import load_scenario
from sim.run.runner import RunConfig, run_negotiation

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
TINY = ROOT / "scenarios" / "tiny_example.yaml"
runner = CliRunner()


def make_run(path: Path, out: Path) -> Path:
    write_run(run_negotiation(load_scenario(path), RunConfig(seed=1)), out, str(path))
    return out


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    return make_run(TINY, tmp_path_factory.mktemp("runs") / "tiny")


@pytest.fixture(scope="module")
def tiny_ctx():
    return make_context(load_scenario(TINY))


def test_items_attribution_spans_base_to_negotiated_and_matches_the_summary(tiny_run):
    run = load_run_data(tiny_run)
    base, name = base_package(run)
    att = attribute_items(run.ctx, run.package, base, list(METRICS), base_name=name)
    metrics = run.summary["metrics"]
    for metric in METRICS:
        res = att.results[metric]
        assert res.v_full == pytest.approx(metrics[metric] or 0.0, abs=1e-8)
        assert res.v_empty == pytest.approx(run.summary["baselines"][name]["metrics"][metric] or 0.0, abs=1e-8)
        assert res.efficient
    changed = {p[1:] for p in att.results["total"].players}
    assert changed == set(run.summary["package"]) ^ set(run.ctx.scenario.base_designs[name])
    assert any("need not be feasible" in n for n in att.notes)


def test_criteria_attribution_sums_to_each_groups_utility(tiny_run):
    run = load_run_data(tiny_run)
    att = attribute_criteria(run.ctx, run.package)
    assert set(att.results) == {f"group:{g}" for g in run.summary["per_group"]}
    for gid, u in run.summary["per_group"].items():
        res = att.results[f"group:{gid}"]
        assert res.v_full == pytest.approx(u, abs=1e-8) and res.efficient
        assert all(p.startswith(f"{gid}:") for p in res.players)


def test_stakeholder_attribution_and_capture_check(tiny_run):
    run = load_run_data(tiny_run)
    from sim.core.records import read_transcript

    setup = VoiceSetup.from_summary(run.summary, run.ctx.rubric.group_ids)
    att = attribute_stakeholders(run.ctx, run.package, ["total", "worst_group"], read_transcript(tiny_run),
                                 setup=setup)
    silent = run_negotiation(run.ctx, RunConfig(seed=setup.seed, voice="silent")).outcome.package
    for metric in ("total", "worst_group"):
        res = att.results[metric]
        score = metric_fn(run.ctx, metric)
        assert res.efficient
        # everyone speaking re-runs the run itself; nobody speaking is the all-silent negotiation
        assert res.v_full == pytest.approx(float(score(run.package[None, :])[0]), abs=1e-9)
        assert res.v_empty == pytest.approx(float(score(silent[None, :])[0]), abs=1e-9)
    assert att.details["negotiations"] == 2 ** run.ctx.rubric.n_groups
    costs = att.details["silence_cost"]
    assert set(costs) == set(run.ctx.rubric.group_ids)
    capture = att.details["capture"]
    assert [r["group"] for r in capture] == list(run.ctx.rubric.group_ids)
    assert sum(r["shapley_share"] for r in capture) == pytest.approx(1.0)
    assert all(r["capture"] == (r["influence_share"] - r["shapley_share"] > 0.25) for r in capture)


def test_draft_influence_credits_requested_changes():
    transcript = [
        {"round": 1, "agent": "mediator", "kind": "draft", "package": ["a", "b"]},
        {"round": 1, "agent": "x", "kind": "object", "amendments": ["swap:c>a"]},
        {"round": 1, "agent": "y", "kind": "object", "amendments": ["add:c", "drop:b"]},
        {"round": 2, "agent": "mediator", "kind": "draft", "package": ["b", "c"]},
    ]
    # changes: +c (asked by x and y: half each), -a (asked by x)
    assert draft_influence(transcript, ("x", "y", "z")) == {"x": 0.75, "y": 0.25, "z": 0.0}


packages = st.lists(st.integers(0, 1), min_size=6, max_size=6).map(lambda v: np.array(v, dtype=np.int8))


@settings(max_examples=25, deadline=None)
@given(packages, packages, st.sampled_from(list(METRICS) + ["group:families"]))
def test_efficiency_of_item_and_criteria_attributions(tiny_ctx, x, base, metric):
    att = attribute_items(tiny_ctx, x, base, [metric])
    if np.array_equal(x, base):
        assert att.results == {}
    else:
        res = att.results[metric]
        score = metric_fn(tiny_ctx, metric, np.array([x, *tiny_ctx.base_packages.values()], dtype=float))
        assert res.efficient
        assert res.v_full == pytest.approx(float(score(x[None, :])[0]), abs=1e-9)
        assert res.v_empty == pytest.approx(float(score(base[None, :])[0]), abs=1e-9)
    crit = attribute_criteria(tiny_ctx, x)
    assert all(r.efficient for r in crit.results.values())
    assert [r.v_full for r in crit.results.values()] == pytest.approx(list(tiny_ctx.rubric.utilities(x)))


@settings(max_examples=6, deadline=None)
@given(st.sampled_from(list(METRICS)), st.sampled_from(["utilitarian", "maximin", "nash", "negotiated"]))
def test_efficiency_of_stakeholder_attribution(metric, mediator):
    ctx = make_context(load_scenario(TINY), mediator=mediator)
    att = attribute_stakeholders(ctx, ctx.disagreement_package, [metric])
    assert att.efficient and len(att.results[metric].players) == ctx.rubric.n_groups


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("by, args, n_metrics", [
    ("items", ["--metric", "total", "--metric", "p20"], 2),
    ("stakeholders", ["--metric", "worst_group"], 1),
    ("criteria", [], 3),
])
def test_cli_explain_writes_the_long_csv(tiny_run, by, args, n_metrics):
    result = runner.invoke(app, ["explain", str(tiny_run), "--by", by, *args])
    assert result.exit_code == 0, result.output
    rows = read_csv(tiny_run / f"attribution_{by}.csv")
    assert rows and list(rows[0]) == list(CSV_COLUMNS)
    assert {r["by"] for r in rows} == {by} and len({r["metric"] for r in rows}) == n_metrics
    assert all(r["stderr"] == "" for r in rows)           # exact: no standard error
    assert "efficiency gap" in result.output
    for metric in {r["metric"] for r in rows}:
        assert metric in result.output
    if by == "stakeholders":
        assert "capture check" in result.output


def test_cli_explain_sampled_reports_stderr(tiny_run, tiny_ctx):
    result = runner.invoke(app, ["explain", str(tiny_run), "--by", "criteria", "--metric", "group:families",
                                 "--method", "sampled", "--samples", "50"])
    assert result.exit_code == 0, result.output
    rows = read_csv(tiny_run / "attribution_criteria.csv")
    assert {r["player"] for r in rows} == {f"families:{c}" for c in tiny_ctx.rubric.criterion_ids}
    assert all(float(r["stderr"]) == 0 for r in rows)     # additive game: every order agrees, no spread


@pytest.mark.parametrize("args, message", [
    (["--by", "votes"], "--by: unknown attribution 'votes'"),
    (["--metric", "happiness"], "--metric: unknown metric 'happiness'"),
    (["--metric", "group:aliens"], "--metric: unknown group 'aliens'"),
    (["--by", "criteria", "--metric", "total"], "fix: use group:ID"),
    (["--method", "magic"], "unknown Shapley method"),
])
def test_cli_explain_user_errors_are_one_line(tiny_run, args, message):
    result = runner.invoke(app, ["explain", str(tiny_run), *args])
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_explain_on_a_folder_that_is_not_a_run(tmp_path):
    result = runner.invoke(app, ["explain", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "summary.json: missing" in result.output
    assert not (tmp_path / "nothing").exists()
    with pytest.raises(AttributionError):
        load_run_data(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_cli_explain_on_every_shipped_scenario(tmp_path, scenario):
    folder = make_run(scenario, tmp_path / scenario.stem)
    for by in ("items", "criteria", "stakeholders"):
        result = runner.invoke(app, ["explain", str(folder), "--by", by])
        assert result.exit_code == 0, result.output
        assert (folder / f"attribution_{by}.csv").is_file()


COLD = """
import sys
import sim.cli.commands
assert "shap" not in sys.modules, "import sim.cli.commands imported shap"
from typer.testing import CliRunner
r = CliRunner().invoke(sim.cli.commands.app, ["run", {scenario!r}, "--out", {out!r}])
assert r.exit_code == 0, r.output
r = CliRunner().invoke(sim.cli.commands.app, ["explain", {out!r}, "--by", "items"])
assert r.exit_code == 0, r.output
assert "shap" not in sys.modules, "run or exact explain imported shap"
print("cold ok")
"""


def test_cli_and_run_do_not_import_shap(tmp_path):
    code = COLD.format(scenario=str(TINY), out=str(tmp_path / "run"))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "cold ok" in done.stdout


def test_attribution_metrics_are_the_summary_metrics(tiny_ctx):
    """gini and p20 of an attribution come from sim.core.metrics: equal where defined, gini 0 where not."""
    from sim.analysis.attribution import metric_fn, reference_designs
    from sim.core import metrics

    rub = tiny_ctx.rubric
    X = np.vstack([np.zeros(rub.n_items, dtype=np.int8), *tiny_ctx.base_packages.values()])
    U = rub.utilities(X)
    assert metric_fn(tiny_ctx, "gini")(X)[0] == 0.0 and metrics.gini(U[0]) is None
    assert metric_fn(tiny_ctx, "gini")(X)[1:].tolist() == [metrics.gini(u) for u in U[1:]]
    ref = reference_designs(tiny_ctx, X[1])
    S = metrics.satisfaction(rub.unit_utilities(X), rub.unit_utilities(ref))
    assert metric_fn(tiny_ctx, "p20", ref)(X).tolist() == [metrics.p20(s) for s in S]
