"""`negsim run` / `negsim evaluate` tables: readable at 80 columns, one table when the terminal is wide."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from sim.cli.render import print_evaluation, print_run
from sim.core.context import make_context
from sim.core.evaluate import evaluate_package
from sim.core.records import write_run
from sim.core.scenario import load_scenario
from sim.run.runner import run_negotiation

ROOT = Path(__file__).resolve().parents[2]


def _render(fn, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
    fn(console)
    return console.file.getvalue()


@pytest.fixture(scope="module")
def montreal(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    result = run_negotiation(load_scenario(ROOT / "scenarios" / "montreal_streets.yaml"))
    write_run(result, out)
    return result, json.loads((out / "summary.json").read_text()), out


@pytest.mark.parametrize("width", [80, 100])
def test_run_table_fits_the_terminal_without_cutting_a_name(montreal, width):
    result, summary, out = montreal
    text = _render(lambda c: print_run(summary, result.ctx.rubric, out, c), width)
    assert max(map(len, text.splitlines())) <= width
    assert "…" not in text
    for name in ["negotiated", *summary["baselines"], *result.ctx.rubric.group_ids]:
        assert name in text
    assert f"{summary['metrics']['total']:.3f}" in text and f"{summary['per_group']['seniors']:.3f}" in text


def test_evaluate_with_nine_designs_at_80_columns_and_at_full_width(montreal):
    result = montreal[0]
    ctx = make_context(result.ctx.scenario)
    report = evaluate_package(ctx, ctx.rubric.package(["curb_ramps", "benches"]))
    narrow = _render(lambda c: print_evaluation(report, ctx, c), 80)
    assert max(map(len, narrow.splitlines())) <= 80 and "…" not in narrow
    assert "utility per group (1/" in narrow                  # designs split over several tables
    wide = _render(lambda c: print_evaluation(report, ctx, c), 220)
    assert "utility per group" in wide and "(1/" not in wide
    header = next(line for line in wide.splitlines() if line.strip().startswith("group"))
    assert header.split() == ["group", "proposal", *ctx.base_packages, *[
        f"optimal_{o}" for o in ("utilitarian", "maximin", "leximin", "nash", "kalai")]]
