"""2x2 repeated games: axelrod cross-check, known answers, seeded noise, files, CLI --json."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from agents.game_players import RULES, StakeholderPlayer, make_player
from sim.cli.commands import app
from sim.core.scenario import ScenarioError
from sim.games.matches import (
    MatchConfig,
    battle_of_sexes,
    classic_pd,
    literature_pd,
    load_game,
    parse_rpst,
    play_match,
    round_robin,
)

# our name -> axelrod class name (random is seeded differently there: not move-comparable)
SHARED = {"always_cooperate": "Cooperator", "always_defect": "Defector", "tit_for_tat": "TitForTat",
          "suspicious_tit_for_tat": "SuspiciousTitForTat", "tit_for_two_tats": "TitFor2Tats",
          "grim_trigger": "Grudger", "alternate": "Alternator", "win_stay_lose_shift": "WinStayLoseShift"}
DETERMINISTIC = sorted(SHARED)
runner = CliRunner()


@pytest.fixture(scope="module")
def axl():
    """axelrod, imported once (it takes ~15 s): a test-time oracle only."""
    return pytest.importorskip("axelrod")


def _axelrod_match(axl, a: str, b: str, game, turns: int = 200):
    """A fresh Match per pair (axelrod caches deterministic replays)."""
    r, p, s, t = (game.payoffs[0, 0, 0], game.payoffs[1, 1, 0], game.payoffs[0, 1, 0], game.payoffs[1, 0, 0])
    match = axl.Match((getattr(axl, SHARED[a])(), getattr(axl, SHARED[b])()), turns=turns,
                      game=axl.Game(r=r, s=s, t=t, p=p))
    moves = match.play()
    return [[str(x), str(y)] for x, y in moves], tuple(float(v) for v in match.final_score())


@pytest.mark.parametrize("game", [classic_pd(), literature_pd()], ids=["rpst_3105", "pd_literature"])
def test_every_shared_pair_equals_axelrod(axl, game):
    assert parse_rpst("3,1,0,5").payoffs.tolist() == classic_pd().payoffs.tolist()
    checked = 0
    for a in DETERMINISTIC:
        for b in DETERMINISTIC:
            moves, scores = _axelrod_match(axl, a, b, game)
            ours = play_match(game, (make_player(a), make_player(b)), MatchConfig(rounds=200))
            assert ours.scores == scores, (a, b)
            assert ours.move_labels() == moves, (a, b)
            checked += 1
    assert checked == len(SHARED) ** 2 == 64


def test_known_answers_classic_pd():
    r = play_match(classic_pd(), (make_player("tit_for_tat"), make_player("always_defect")), MatchConfig(rounds=10))
    assert r.scores == (9.0, 14.0)                     # S + 9 P  vs  T + 9 P
    assert r.move_labels()[:2] == [["C", "D"], ["D", "D"]]
    assert r.cooperation_rate == (0.1, 0.0)
    wsls = play_match(classic_pd(), (make_player("win_stay_lose_shift"), make_player("always_defect")),
                      MatchConfig(rounds=4))
    assert [m[0] for m in wsls.move_labels()] == ["C", "D", "C", "D"]


def test_battle_of_sexes_payoffs_and_labels():
    bos = battle_of_sexes()
    assert bos.as_dict() == {"F": {"F": [10, 7], "B": [0, 0]}, "B": {"F": [0, 0], "B": [7, 10]}}
    assert literature_pd().as_dict() == {"C": {"C": [8, 8], "D": [0, 10]}, "D": {"C": [10, 0], "D": [5, 5]}}
    r = play_match(bos, (make_player("always_cooperate"), make_player("alternate")), MatchConfig(rounds=4))
    assert r.move_labels() == [["F", "F"], ["F", "B"], ["F", "F"], ["F", "B"]]
    assert r.scores == (20.0, 14.0)


@settings(max_examples=25, deadline=None)
@given(a=st.sampled_from(DETERMINISTIC), b=st.sampled_from(DETERMINISTIC), n=st.integers(1, 60))
def test_swapping_players_swaps_scores_in_symmetric_games(a, b, n):
    ab = play_match(literature_pd(), (make_player(a), make_player(b)), MatchConfig(rounds=n))
    ba = play_match(literature_pd(), (make_player(b), make_player(a)), MatchConfig(rounds=n))
    assert ab.scores == ba.scores[::-1]
    assert ab.rounds == n


@pytest.mark.parametrize("n", [1, 2, 7, 60])
@pytest.mark.parametrize("a, b, expected", [
    # literature_pd: CC 8/8, CD 0/10, DC 10/0, DD 5/5; scores worked out by hand
    ("always_cooperate", "always_defect", lambda n: (0.0, 10.0 * n)),
    ("tit_for_tat", "always_defect", lambda n: (5.0 * (n - 1), 10.0 + 5.0 * (n - 1))),
    ("tit_for_tat", "tit_for_tat", lambda n: (8.0 * n, 8.0 * n)),
    ("alternate", "always_cooperate", lambda n: (8.0 * ((n + 1) // 2) + 10.0 * (n // 2), 8.0 * ((n + 1) // 2))),
    ("suspicious_tit_for_tat", "tit_for_tat",      # DC, CD, DC, ...: 10/0 and 0/10 in turn
     lambda n: (10.0 * ((n + 1) // 2), 10.0 * (n // 2))),
])
def test_known_scores_of_scripted_pairs(a, b, expected, n):
    result = play_match(literature_pd(), (make_player(a), make_player(b)), MatchConfig(rounds=n))
    assert tuple(result.scores) == expected(n)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), noise=st.floats(0.01, 0.5), prob_end=st.floats(0.0, 0.2))
def test_seeded_noisy_matches_are_reproducible(seed, noise, prob_end):
    def once(s):
        players = (make_player("tit_for_tat"), make_player("random:0.4"))
        return play_match(classic_pd(), players, MatchConfig(100, noise, prob_end, s))

    first, again = once(seed), once(seed)
    assert np.array_equal(first.moves, again.moves) and np.array_equal(first.flips, again.flips)
    assert 1 <= first.rounds <= 100
    # another seed may repeat a one-round match by chance; among five other seeds one must differ
    others = [once(seed + i) for i in range(1, 6)]
    assert any(o.rounds != first.rounds or not np.array_equal(o.moves, first.moves)
               or not np.array_equal(o.flips, first.flips) for o in others)


def test_noise_flips_about_the_stated_share():
    r = play_match(classic_pd(), (make_player("always_cooperate"), make_player("always_cooperate")),
                   MatchConfig(rounds=5000, noise=0.1, seed=7))
    share = r.flips.mean()
    assert abs(share - 0.1) < 4 * np.sqrt(0.1 * 0.9 / 10000)          # 4 standard errors
    assert np.array_equal(r.moves == 1, r.flips)                      # every D is a flipped C


def test_probabilistic_end_has_geometric_mean_length():
    lengths = [play_match(classic_pd(), (make_player("tit_for_tat"), make_player("tit_for_tat")),
                          MatchConfig(rounds=10_000, prob_end=0.1, seed=s)).rounds for s in range(300)]
    assert abs(np.mean(lengths) - 10.0) < 4 * np.sqrt(90 / 300)        # mean 1/p, variance (1-p)/p^2


def test_stakeholder_player_concedes_over_rounds():
    boulware, conceder = StakeholderPlayer("boulware", jitter=0.0), StakeholderPlayer("conceder", jitter=0.0)
    r = play_match(classic_pd(), (boulware, make_player("always_cooperate")), MatchConfig(rounds=20))
    c = play_match(classic_pd(), (conceder, make_player("always_cooperate")), MatchConfig(rounds=20))
    assert r.moves[0, 0] == 1 and r.moves[-1, 0] == 0                  # holds out, then reciprocates
    assert c.cooperation_rate[0] > r.cooperation_rate[0]
    bos = play_match(battle_of_sexes(), (StakeholderPlayer("linear", jitter=0.0),
                                         StakeholderPlayer("boulware", jitter=0.0)), MatchConfig(rounds=10))
    # each holds out for its favourite; the linear row concedes first (7 >= 10 - 10 * 3/9 at
    # round 4) and they coordinate on the patient Boulware column's favourite B from then on
    assert bos.move_labels()[:3] == [["F", "B"]] * 3 and bos.move_labels()[3:] == [["B", "B"]] * 7


def test_round_robin_ranking_and_seed_spawning():
    entrants = {n: (lambda n=n: make_player(n)) for n in ["tit_for_tat", "always_defect", "random"]}
    t = round_robin(classic_pd(), entrants, MatchConfig(rounds=50, noise=0.05, seed=3), repetitions=2)
    assert len(t.matches) == 2 * 6
    ranking = t.ranking()
    assert list(ranking["rank"]) == [1, 2, 3]
    assert ranking["score_per_round"].is_monotonic_decreasing
    again = round_robin(classic_pd(), entrants, MatchConfig(rounds=50, noise=0.05, seed=3), repetitions=2)
    assert t.matches_frame().equals(again.matches_frame())
    frame = t.matches[0][2].to_frame()
    assert list(frame.columns[:4]) == ["round", "player_a", "player_b", "move_a"] and len(frame) == 50


def test_game_file_loads_and_errors_are_one_line(tmp_path):
    good = tmp_path / "stag.yaml"
    good.write_text("name: stag_hunt\npayoffs:\n  S: {S: [4, 4], H: [0, 3]}\n  H: {S: [3, 0], H: [3, 3]}\n")
    g = load_game(good)
    assert g.options == ("S", "H") and g.own_payoffs(1)[1, 0] == 3 and g.own_payoffs(1)[0, 1] == 0   # [own, other]
    for text, field in [("payoffs: {C: {C: [1, 1], D: [0, 2]}}", "payoffs"),
                        ("payoffs: {C: {C: [1, 1], D: [0, 2]}, D: {C: [2, 0], X: [1, 1]}}", "payoffs.D"),
                        ("payoffs: {C: {C: [1, 1], D: [0]}, D: {C: [2, 0], D: [1, 1]}}", "payoffs.C.D"),
                        ("name: x\nrounds: 3\npayoffs: {}", "rounds"), ("[1, 2", "(file)")]:
        bad = tmp_path / "bad.yaml"
        bad.write_text(text)
        with pytest.raises(ScenarioError) as err:
            load_game(bad)
        assert err.value.field == field and "\n" not in str(err.value)


def test_cli_game_json_shape():
    res = runner.invoke(app, ["game", "pd", "--rounds", "5", "--players", "tit_for_tat,always_defect", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert list(data) == ["players", "payoffs", "rounds", "moves", "scores", "cooperation_rate"]
    assert data["players"] == ["tit_for_tat", "always_defect"]
    assert data["payoffs"] == {"C": {"C": [8, 8], "D": [0, 10]}, "D": {"C": [10, 0], "D": [5, 5]}}
    assert data["rounds"] == 5 and data["moves"] == [["C", "D"]] + [["D", "D"]] * 4
    assert data["scores"] == [20, 30] and data["cooperation_rate"] == [0.2, 0.0]
    classic = json.loads(runner.invoke(app, ["game", "pd", "--payoffs", "3,1,0,5", "--rounds", "3",
                                             "--players", "always_cooperate,always_cooperate", "--json"]).stdout)
    assert classic["scores"] == [9, 9] and classic["payoffs"]["D"]["C"] == [5, 0]


def test_cli_game_writes_csv_and_tournament(tmp_path):
    res = runner.invoke(app, ["game", "bos", "--rounds", "6", "--players", "stakeholder:conceder,alternate",
                              "--noise", "0.1", "--seed", "4", "--out", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "m" / "rounds.csv").read_text().startswith("round,player_a,player_b,move_a")
    res = runner.invoke(app, ["tournament", "pd", "--rounds", "20", "--strategies",
                              "tit_for_tat,always_defect,grim_trigger", "--out", str(tmp_path / "t")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "t" / "ranking.csv").read_text().startswith("rank,strategy,matches,total")


@pytest.mark.parametrize("args, needle", [
    (["game", "pd", "--players", "tit_for_tat"], "--players: expected two players"),
    (["game", "pd", "--players", "tit_for_tat,nice_guy"], "--players: unknown strategy 'nice_guy'"),
    (["game", "pd", "--payoffs", "3,1,0"], "--payoffs: payoffs: expected four numbers"),
    (["game", "no_such_game.yaml"], "no_such_game.yaml: (file): no such file"),
    (["tournament", "pd", "--strategies", "llm,tit_for_tat"], "--strategies: llm players"),
])
def test_cli_game_user_errors_exit_2(args, needle):
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert needle in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_every_rule_is_reachable_by_name():
    assert set(RULES) >= set(SHARED) | {"random"}
    for name in RULES:
        assert make_player(name).name == name


@pytest.mark.parametrize("spec", sorted(RULES) + ["random:0.2", "stakeholder:conceder"])
def test_player_contract_pickle_reset_same_seed_same_play(spec):
    import pickle

    config = MatchConfig(rounds=30, noise=0.1, seed=11)
    first = play_match(literature_pd(), (make_player(spec), make_player("random")), config)
    player = pickle.loads(pickle.dumps(make_player(spec)))
    again = play_match(literature_pd(), (player, make_player("random")), config)
    reused = play_match(literature_pd(), (player, make_player("random")), config)    # reset clears state
    assert np.array_equal(first.moves, again.moves) and np.array_equal(first.moves, reused.moves)
