"""2x2 repeated games: payoff matrices, matches, round-robin tournaments, and DataFrames/CSV of the results.

Matches are seeded, with noise and a probabilistic end.

The engine only plays the game; players (scripted strategies, rule-based stakeholders,
LLM agents) come in as objects with `reset(view, rng)` and `act(own, other) -> move`,
moves being option indices 0 / 1 (0 is "cooperate" in a Prisoner's Dilemma). Players see
the realised moves, noise included, as in the axelrod library.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from sim.core.scenario import ScenarioError

MAX_GAME_BYTES = 100_000


@dataclass(frozen=True, eq=False)
class Game:
    """A 2x2 game: option labels and payoffs[row_move, col_move] = (row payoff, col payoff)."""

    name: str
    options: tuple[str, str]
    payoffs: np.ndarray          # shape (2, 2, 2), read-only

    def __post_init__(self) -> None:
        p = np.array(self.payoffs, dtype=float)
        if p.shape != (2, 2, 2):
            raise ValueError(f"payoffs must have shape (2, 2, 2), got {p.shape}")
        p.setflags(write=False)
        object.__setattr__(self, "payoffs", p)

    def own_payoffs(self, role: int) -> np.ndarray:
        """(2, 2) payoffs of player `role` indexed [own move, other move]."""
        return self.payoffs[:, :, 0] if role == 0 else self.payoffs[:, :, 1].T

    def as_dict(self) -> dict[str, dict[str, list[float]]]:
        """The matrix as {row label: {col label: [row payoff, col payoff]}} (JSON / YAML form)."""
        return {a: {b: [_num(v) for v in self.payoffs[i, j]] for j, b in enumerate(self.options)}
                for i, a in enumerate(self.options)}


def _num(v: float) -> float | int:
    return int(v) if float(v).is_integer() else float(v)


def symmetric_game(name: str, r: float, p: float, s: float, t: float,
                   options: tuple[str, str] = ("C", "D")) -> Game:
    """A symmetric 2x2 game from (R, P, S, T): CC -> R, DD -> P, CD -> S/T, DC -> T/S."""
    return Game(name, options, np.array([[[r, r], [s, t]], [[t, s], [p, p]]], dtype=float))


def classic_pd() -> Game:
    """Prisoner's Dilemma with the classic (R, P, S, T) = (3, 1, 0, 5) (Axelrod 1984)."""
    return symmetric_game("pd_classic", 3, 1, 0, 5)


def literature_pd() -> Game:
    """PD as in the LLM repeated-games literature (Akata et al. 2023): 8/8, 0/10, 10/0, 5/5."""
    return symmetric_game("pd", 8, 5, 0, 10)


def battle_of_sexes() -> Game:
    """Battle of the Sexes as in Akata et al. 2023: FF 10/7, BB 7/10, mismatches 0/0."""
    return Game("bos", ("F", "B"), np.array([[[10, 7], [0, 0]], [[0, 0], [7, 10]]], dtype=float))


BUILTIN: dict[str, Callable[[], Game]] = {"pd": literature_pd, "pd_classic": classic_pd,
                                          "bos": battle_of_sexes}


def parse_rpst(text: str, source: str = "--payoffs") -> Game:
    """'R,P,S,T' -> the symmetric game (e.g. '3,1,0,5')."""
    parts = [p.strip() for p in text.split(",")]
    try:
        r, p, s, t = (float(x) for x in parts)
    except ValueError:
        raise ScenarioError(source, "payoffs", f"expected four numbers R,P,S,T, got {text!r}",
                            "write e.g. 3,1,0,5") from None
    return symmetric_game(f"rpst_{_num(r)}_{_num(p)}_{_num(s)}_{_num(t)}", r, p, s, t)


def parse_game(data: Any, source: str = "<game>") -> Game:
    """Validate {name?, payoffs: {row label: {col label: [row, col]}}} into a Game."""
    if not isinstance(data, dict) or "payoffs" not in data:
        raise ScenarioError(source, "(top level)", "expected a mapping with a `payoffs` field",
                            "write payoffs: {C: {C: [3, 3], D: [0, 5]}, D: {C: [5, 0], D: [1, 1]}}")
    extra = sorted(set(data) - {"name", "payoffs", "description"})
    if extra:
        raise ScenarioError(source, extra[0], "unknown field", "use only name, description, payoffs")
    rows = data["payoffs"]
    if not isinstance(rows, dict) or len(rows) != 2:
        raise ScenarioError(source, "payoffs", "expected exactly two row options",
                            "list two option labels, each mapping to two column options")
    options = tuple(str(k) for k in rows)
    if options[0] == options[1]:
        raise ScenarioError(source, "payoffs", "the two options have the same label", "rename one")
    p = np.zeros((2, 2, 2))
    for i, a in enumerate(rows):
        cols = rows[a]
        if not isinstance(cols, dict) or sorted(str(k) for k in cols) != sorted(options):
            raise ScenarioError(source, f"payoffs.{a}", f"expected columns {list(options)}",
                                "give each row the same two option labels as the rows")
        for b, pair in cols.items():
            j = options.index(str(b))
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and
                    all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)
                        for v in pair)):
                raise ScenarioError(source, f"payoffs.{a}.{b}", f"expected [row, col] numbers, got {pair!r}",
                                    "write two finite numbers, e.g. [3, 3]")
            p[i, j] = pair
    name = str(data.get("name") or Path(source).stem or "custom")
    return Game(name, (options[0], options[1]), p)


def load_game(path: str | Path) -> Game:
    """Read a game file (YAML, safe_load, size-limited)."""
    import yaml

    from sim.core.files import read_bounded
    from sim.core.yaml_io import yaml_load

    raw = read_bounded(path, MAX_GAME_BYTES, ScenarioError, missing_fix="check the path, or use pd or bos",
                       too_big=(f"file is larger than {MAX_GAME_BYTES} bytes", "a 2x2 game file needs only a few lines"))
    try:
        data = yaml_load(raw.decode("utf-8"))
    except yaml.YAMLError as err:
        problem = str(getattr(err, "problem", None) or err).replace("\n", " ")
        raise ScenarioError(str(path), "(file)", f"not valid YAML ({problem})", "fix the YAML syntax") from None
    return parse_game(data, str(path))


def resolve_game(name_or_path: str, payoffs: str | None = None) -> Game:
    """`pd`, `bos`, `pd_classic` or a file; `payoffs` 'R,P,S,T' overrides with the classic form."""
    if payoffs:
        return parse_rpst(payoffs)
    if name_or_path in BUILTIN:
        return BUILTIN[name_or_path]()
    return load_game(name_or_path)


# -- players and matches ---------------------------------------------------------------

@dataclass(frozen=True)
class GameView:
    """What a player knows about the game: its own payoffs [own, other] and the other's."""

    game: str
    options: tuple[str, str]
    own: np.ndarray
    other: np.ndarray
    role: int
    rounds: int            # announced horizon (the cap, or the expected length)


class GamePlayer(Protocol):
    """A 2x2 player: reset once per match, then one move (0 / 1) per round."""

    name: str

    def reset(self, view: GameView, rng: np.random.Generator) -> None:
        """Start a match: the game from this player's side and the generator, its only source of randomness."""

    def act(self, own: Sequence[int], other: Sequence[int]) -> int:
        """This round's move (0 / 1) given the realised moves so far, own and the other's."""


@dataclass(frozen=True)
class MatchConfig:
    """Length, noise and ending of a match; the seed makes it a pure function."""

    rounds: int = 200
    noise: float = 0.0         # probability that each intended move is flipped
    prob_end: float = 0.0      # probability the match ends after each round (0: fixed length)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.rounds < 1:
            raise ValueError("rounds must be at least 1")
        if not (0.0 <= self.noise <= 1.0 and 0.0 <= self.prob_end < 1.0):
            raise ValueError("noise must be in [0, 1] and prob_end in [0, 1)")

    @property
    def horizon(self) -> int:
        """Rounds announced to the players: the cap, or the expected length when shorter."""
        expected = np.inf if self.prob_end == 0 else 1.0 / self.prob_end
        return self.rounds if expected >= self.rounds else max(1, int(round(expected)))


@dataclass(frozen=True, eq=False)
class MatchResult:
    """Moves and payoffs of one match, one row per round."""

    game: Game
    players: tuple[str, str]
    moves: np.ndarray          # (n, 2) option indices actually played
    payoffs: np.ndarray        # (n, 2)
    flips: np.ndarray          # (n, 2) whether noise flipped the intended move
    details: dict = field(default_factory=dict)

    @property
    def rounds(self) -> int:
        """Number of rounds played."""
        return int(len(self.moves))

    @property
    def scores(self) -> tuple[float, float]:
        """Each player's total payoff over the match."""
        s = self.payoffs.sum(axis=0)
        return float(s[0]), float(s[1])

    @property
    def cooperation_rate(self) -> tuple[float, float]:
        """Share of rounds each player played the first option (C in a PD)."""
        if not self.rounds:
            return 0.0, 0.0
        c = (self.moves == 0).mean(axis=0)
        return float(c[0]), float(c[1])

    def move_labels(self) -> list[list[str]]:
        """The moves as option labels, one [a, b] pair per round."""
        return [[self.game.options[a], self.game.options[b]] for a, b in self.moves]

    def as_json(self) -> dict:
        """The `negsim game --json` object."""
        return {"players": list(self.players), "payoffs": self.game.as_dict(),
                "rounds": self.rounds, "moves": self.move_labels(),
                "scores": [_num(s) for s in self.scores],
                "cooperation_rate": [round(c, 9) for c in self.cooperation_rate]}

    def to_frame(self):
        """Per-round DataFrame: round, move_a, move_b, payoff_a, payoff_b, flipped_a, flipped_b."""
        import pandas as pd

        labels = np.array(self.game.options)
        return pd.DataFrame({
            "round": np.arange(1, self.rounds + 1),
            "player_a": self.players[0], "player_b": self.players[1],
            "move_a": labels[self.moves[:, 0]] if self.rounds else [],
            "move_b": labels[self.moves[:, 1]] if self.rounds else [],
            "payoff_a": self.payoffs[:, 0], "payoff_b": self.payoffs[:, 1],
            "flipped_a": self.flips[:, 0], "flipped_b": self.flips[:, 1]})


def match_length(config: MatchConfig, rng: np.random.Generator) -> int:
    """Rounds actually played: the cap, or a geometric draw capped by it."""
    if config.prob_end == 0:
        return config.rounds
    return int(min(config.rounds, rng.geometric(config.prob_end)))


def play_match(game: Game, players: Sequence[GamePlayer], config: MatchConfig = MatchConfig()) -> MatchResult:
    """Play one seeded match: the seed spawns the table's generator and one per player."""
    a, b = players
    table, rng_a, rng_b = (np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(3))
    for role, (player, rng) in enumerate(((a, rng_a), (b, rng_b))):
        view = GameView(game.name, game.options, game.own_payoffs(role), game.own_payoffs(1 - role),
                        role, config.horizon)
        player.reset(view, rng)
    n = match_length(config, table)
    flips = table.random((n, 2)) < config.noise if config.noise > 0 else np.zeros((n, 2), dtype=bool)
    flip = flips.tolist()
    hist_a: list[int] = []
    hist_b: list[int] = []
    for t in range(n):
        ma, mb = _checked_move(a, a.act(hist_a, hist_b)), _checked_move(b, b.act(hist_b, hist_a))
        hist_a.append(ma ^ flip[t][0])
        hist_b.append(mb ^ flip[t][1])
    moves = np.array([hist_a, hist_b], dtype=np.int8).T.reshape(n, 2)
    pay = game.payoffs[moves[:, 0], moves[:, 1]] if n else np.zeros((0, 2))
    details = {name: info() for name, p in (("a", a), ("b", b))
               if callable(info := getattr(p, "details", None))}
    return MatchResult(game, (a.name, b.name), moves, pay, flips, details)


def _checked_move(player: GamePlayer, move: Any) -> int:
    if move.__class__ is int and (move == 0 or move == 1):     # the fast path: a plain 0 / 1
        return move
    if isinstance(move, bool) or move not in (0, 1):
        raise ValueError(f"player {player.name!r} returned {move!r}; a move is 0 or 1")
    return int(move)


# -- tournaments -----------------------------------------------------------------------

PlayerFactory = Callable[[], GamePlayer]


@dataclass(frozen=True, eq=False)
class TournamentResult:
    """Every match of a round robin, and the ranking of the entrants."""

    game: Game
    matches: list[tuple[str, str, MatchResult]]

    def matches_frame(self):
        """One row per match: entrants, rounds, scores, cooperation rates."""
        import pandas as pd

        rows = []
        for i, (ea, eb, m) in enumerate(self.matches):
            (sa, sb), (ca, cb) = m.scores, m.cooperation_rate
            rows.append({"match": i, "player_a": ea, "player_b": eb, "rounds": m.rounds,
                         "score_a": sa, "score_b": sb, "cooperation_a": ca, "cooperation_b": cb})
        return pd.DataFrame(rows)

    def ranking(self):
        """Per entrant: matches, total score, mean score per round, cooperation rate, wins, rank."""
        import pandas as pd

        rows = []
        for ea, eb, m in self.matches:
            for side, name in ((0, ea), (1, eb)):
                rows.append({"strategy": name, "score": m.scores[side], "rounds": m.rounds,
                             "cooperations": int((m.moves[:, side] == 0).sum()),
                             "win": float(m.scores[side] > m.scores[1 - side])})
        df = pd.DataFrame(rows).groupby("strategy", sort=True).agg(
            matches=("score", "size"), total=("score", "sum"), rounds=("rounds", "sum"),
            cooperations=("cooperations", "sum"), wins=("win", "sum")).reset_index()
        df["score_per_round"] = df["total"] / df["rounds"].clip(lower=1)
        df["cooperation_rate"] = df["cooperations"] / df["rounds"].clip(lower=1)
        df = df.sort_values(["score_per_round", "strategy"], ascending=[False, True], kind="stable")
        df["rank"] = np.arange(1, len(df) + 1)
        return df[["rank", "strategy", "matches", "total", "score_per_round",
                   "cooperation_rate", "wins"]].reset_index(drop=True)


def round_robin(game: Game, entrants: dict[str, PlayerFactory], config: MatchConfig = MatchConfig(),
                *, repetitions: int = 1, self_play: bool = True) -> TournamentResult:
    """Every pair of entrants (and each against itself) plays `repetitions` matches.

    The tournament seed spawns every match's seed before anything is played, so the
    result does not depend on the order of play.
    """
    names = list(entrants)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i if self_play else i + 1:]]
    pairs = [p for p in pairs for _ in range(repetitions)]
    seeds = np.random.SeedSequence(config.seed).generate_state(len(pairs))
    matches = []
    for (a, b), s in zip(pairs, seeds):
        cfg = MatchConfig(config.rounds, config.noise, config.prob_end, int(s))
        matches.append((a, b, play_match(game, (entrants[a](), entrants[b]()), cfg)))
    return TournamentResult(game, matches)
