"""The deliberative LLM mediator with a scripted fake model: candidates repaired and recorded, the
Schulze winner of the groups' rankings tabled, bad variants refused in one line."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("langchain_core")
from langchain_core.language_models.fake_chat_models import FakeListChatModel  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from agents.llm.factory import make_client  # noqa: E402
from agents.schulze import condorcet_winner, pairwise, schulze  # noqa: E402
from sim.cli.commands import app  # noqa: E402
from sim.run.runner import RunConfig, run_negotiation  # noqa: E402

PROPOSALS = json.dumps({"proposals": [
    {"items": ["ramp", "lane"], "statement": "mobility first"},        # lane excludes ramp: repaired
    {"items": ["trees", "bench", "art"], "statement": "a green square"},
    {"items": ["ramp", "trees", "nosuch"], "statement": "access and shade"}]})


def deliberate(tiny, seed, voice="truthful", n=3):
    client = make_client("fake", seed=seed, model=FakeListChatModel(responses=[PROPOSALS]), concurrent=False)
    cfg = RunConfig(seed=seed, mediator=f"llm:deliberative:{n}", max_rounds=4, agents="heuristic:conceder",
                    mediator_options={"llm": client}, voice=voice)
    return run_negotiation(tiny, cfg), client


@pytest.mark.parametrize("seed", range(5))
def test_the_schulze_winner_of_last_rounds_rankings_is_tabled(tiny, seed):
    result, client = deliberate(tiny, seed)
    t = result.transcript
    assert result.ctx.protocol.elicitation == "rank:4"          # implied: the draft and N = 3 proposals
    drafts = {r["round"]: r for r in t if r["kind"] == "draft"}
    checked = 0
    for rnd in sorted(drafts):
        if rnd + 1 not in drafts:
            break
        ballots = [tuple(r["ranking"]) for r in t if r["round"] == rnd and r.get("ranking")]
        cands = drafts[rnd]["candidates"]
        assert len(cands) == 4 and cands[0] == drafts[rnd]["package"]
        winner = cands[schulze(ballots, len(cands)).winner]
        assert drafts[rnd + 1]["package"] == winner
        c = condorcet_winner(pairwise(ballots, len(cands)))
        if c is not None:
            assert drafts[rnd + 1]["package"] == cands[c]
        assert "won the groups' rankings" in drafts[rnd + 1]["reason"]
        checked += 1
    assert checked >= 1
    first = drafts[1]["meta"]
    traced = {tuple(p["package"]): p for p in first["proposals"]}
    assert any(p["repairs"] for p in first["proposals"])            # the infeasible proposal's repair is recorded
    assert all(result.ctx.rubric.feasible(result.ctx.rubric.package(list(k))) for k in traced)
    assert first["events"][0]["event"] == "unknown_item_dropped"
    assert client.usage.fallbacks == 0


def test_with_every_group_silent_it_tables_the_rule_revision(tiny):
    result, _ = deliberate(tiny, 0, voice="silent")
    later = [r for r in result.transcript if r["kind"] == "draft" and r["round"] >= 2]
    assert all(r["meta"]["schulze"] == {"why": "no rankings"} for r in later)


@pytest.mark.parametrize("spec, needle", [
    ("llm:deliberative:1", "2 <= N <= 5"),
    ("llm:deliberative:9", "2 <= N <= 5"),
    ("llm:ponder", "unknown LLM mediator variant 'ponder'"),
])
def test_bad_deliberative_variants_fail_in_one_line(tmp_path, spec, needle):
    res = CliRunner().invoke(app, ["run", "tests/data/tiny.yaml", "--mediator", spec, "--llm", "local",
                                   "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and needle in res.output and len(res.output.strip().splitlines()) == 1
    assert "fix:" in res.output and not (tmp_path / "r").exists()
