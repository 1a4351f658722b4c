"""`negsim run --belief` and the sweep axis `belief`: the rule mediator's belief by name, exit 2 on a bad one."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sim.cli.commands import app
from sim.core.records import read_summary, strip_timing
from sim.run.sweep.executors import execute
from sim.run.sweep.spec import build_plan, load_sweep
from tests.conftest import ROOT, TINY
from tests.run.test_sweep import results, write_sweep

runner = CliRunner()
MONTREAL = ROOT / "scenarios" / "montreal_streets.yaml"


def _run(tmp_path, name: str, *flags: str) -> dict:
    r = runner.invoke(app, ["run", str(MONTREAL), "--seed", "1", "--quiet", "--out", str(tmp_path / name), *flags])
    assert r.exit_code == 0, r.output
    summary = strip_timing(read_summary(tmp_path / name))
    return {k: summary[k] for k in ("package", "rounds", "metrics", "per_group")}


def test_the_default_belief_is_the_item_value_belief_and_weights_stays_selectable(tmp_path):
    default = _run(tmp_path, "default")
    assert _run(tmp_path, "named", "--belief", "item_values+decisions+ideal") == default
    assert _run(tmp_path, "weights", "--belief", "weights") != default


@pytest.mark.parametrize("flags, words", [
    (["--belief", "hunch"], ["--belief: unknown belief 'hunch'", "weights"]),
    (["--belief", "weights+gossip"], ["--belief: unknown belief 'weights+gossip'"]),
    (["--belief", "weights", "--mediator", "llm"], ["--belief: the llm mediator holds no belief"]),
])
def test_a_bad_belief_is_one_line_naming_the_fix_and_writes_nothing(tmp_path, flags, words):
    r = runner.invoke(app, ["run", str(TINY), "--out", str(tmp_path / "o"), *flags])
    lines = r.output.strip().splitlines()
    assert r.exit_code == 2 and len(lines) == 1 and "fix:" in lines[0], r.output
    assert all(w in lines[0] for w in words), r.output
    assert not (tmp_path / "o").exists()


def test_a_belief_axis_reaches_the_runs_it_names(tmp_path):
    from sim.run.runner import RunConfig, run_negotiation

    sweep = write_sweep(tmp_path, MONTREAL, "seeds: [1]\naxes:\n  - {name: belief, values: [weights, item_values]}\n")
    execute(build_plan(load_sweep(sweep), sweep), tmp_path / "o")
    frame = results(tmp_path / "o").set_index("belief")
    assert (frame["error"] == "").all()
    from sim.core.scenario import load_scenario

    for name in ("weights", "item_values"):
        bare = run_negotiation(load_scenario(MONTREAL), RunConfig(seed=1, mediator_options={"beliefs": name}))
        assert frame.loc[name, "package"] == ";".join(bare.designs["negotiated"].package)
    assert frame.loc["weights", "package"] != frame.loc["item_values", "package"]
