"""The LLM 2x2 player with langchain-core's fake chat models (no network)."""

from __future__ import annotations

import pytest

pytest.importorskip("langchain_core")
from langchain_core.language_models.fake_chat_models import FakeListChatModel  # noqa: E402

from agents.llm.game_player import parse_option, payoff_table, prediction_accuracy  # noqa: E402
from sim.games.matches import MatchConfig, battle_of_sexes, literature_pd, play_match  # noqa: E402
from sim.run.registry import make_game_player  # noqa: E402


@pytest.mark.parametrize("text, move", [("Option C", 0), ("D", 1), ("I choose D.", 1), ("option c", 0),
                                        ("C or D?", None), ("no idea", None), ("", None)])
def test_parse_option(text, move):
    assert parse_option(text, ("C", "D")) == move


def test_llm_plays_the_answers_it_gives():
    model = FakeListChatModel(responses=["Option D", "C", "Option D"])
    r = play_match(literature_pd(), (make_game_player("llm", model=model), make_game_player("tit_for_tat")),
                   MatchConfig(rounds=3))
    assert r.move_labels() == [["D", "C"], ["C", "D"], ["D", "C"]]
    assert r.scores == (20.0, 10.0)
    assert r.details["a"]["calls"] == 3 and r.details["a"]["fallbacks"] == 0


def test_predict_first_asks_twice_and_keeps_the_prediction():
    model = FakeListChatModel(responses=["F", "Option B", "B", "B"])
    player = make_game_player("llm:predict", model=model)
    r = play_match(battle_of_sexes(), (make_game_player("alternate"), player), MatchConfig(rounds=2))
    log = r.details["b"]["log"]
    assert [e["prediction"] for e in log] == ["F", "B"] and [e["move"] for e in log] == ["B", "B"]
    assert r.details["b"]["calls"] == 4
    assert prediction_accuracy(player, r.moves[:, 0]) == 1.0          # alternate plays F then B
    table = payoff_table(player.view)                                    # its own (column) side
    assert "you B, other B: you get 10, the other gets 7" in table
    assert "you F, other F: you get 7, the other gets 10" in table


def test_unreadable_answer_gets_one_repair_then_a_recorded_fallback():
    model = FakeListChatModel(responses=["hmm", "C", "maybe", "still unsure"])
    r = play_match(literature_pd(), (make_game_player("llm", model=model), make_game_player("always_defect")),
                   MatchConfig(rounds=2))
    d = r.details["a"]
    assert d["calls"] == 4 and d["fallbacks"] == 1
    assert r.move_labels() == [["C", "D"], ["D", "D"]]                  # repaired C, then tit-for-tat D
    assert "fallback" in d["log"][1] and "fallback" not in d["log"][0]


def test_llm_spec_errors():
    with pytest.raises(KeyError):
        make_game_player("llm:think", model=FakeListChatModel(responses=["C"]))
    with pytest.raises(ValueError):
        make_game_player("llm")
