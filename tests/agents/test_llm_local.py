"""End to end on the embedded model (SmolLM2-135M through llama.cpp): needs the `local-llm` extra."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sim.cli.commands import app
from tests.conftest import TINY


@pytest.mark.llm_local
def test_one_round_on_the_local_model_writes_a_valid_summary(tmp_path):
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["run", str(TINY), "--agents", "llm", "--mediator", "llm", "--llm", "local",
                                   "--max-rounds", "1", "--seed", "1", "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    llm = summary["llm"]
    assert llm["model"] == "local" and llm["calls"] > 0 and llm["cache_hits"] == 0
    assert llm["prompt_tokens"] > 0 and llm["completion_tokens"] > 0   # reported by llama.cpp
    assert summary["rounds"] == 1 and summary["cost"] <= summary["budget"]
    assert summary["fallbacks"] == llm["fallbacks"]
    rows = [json.loads(line) for line in (out / "transcript.jsonl").read_text().splitlines()]
    moves = [r for r in rows if r["role"] == "stakeholder" or (r["round"] >= 1 and r["role"] == "mediator")]
    assert moves and all(r["meta"]["llm"] == "local" for r in moves)
    # every fallback is in the transcript with its cause, and counted
    assert sum("fallback" in r["meta"] for r in moves) == llm["fallbacks"]
    # one call per move (positions included), plus one repair prompt each at most
    assert llm["calls"] == len(moves) + llm["repair_prompts"] <= 2 * len(moves)
    assert (out / "llm_cache.jsonl").exists()
    # the model must actually decide: a run made only of rule-based fallbacks is a failure
    own = len(moves) - llm["fallbacks"]
    print(f"local model: {own} of {len(moves)} moves its own, {llm['fallbacks']} fallbacks")
    assert own >= 1 and llm["fallbacks"] <= len(moves) // 2
    # value consistency is measured on every run: present, with every score in its range
    cons = llm["consistency"]
    print(f"local model consistency: {cons['overall']}")
    assert set(cons["per_group"]) == {"wheel", "green", "fun"} and cons["overall"]["decisions"] >= 1
    for scores in [cons["overall"], *cons["per_group"].values()]:
        for key, (lo, hi) in {"accept_agreement": (0, 1), "amendment_rank": (0, 1), "ranking_tau": (-1, 1)}.items():
            assert scores[key] is None or lo <= scores[key] <= hi
    assert cons["overall"]["accept_agreement"] is not None
    assert set(llm["events"]) >= {"red_line_override"}
