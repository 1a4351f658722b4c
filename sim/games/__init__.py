"""2x2 repeated games: payoff matrices, matches and round-robin tournaments."""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "Game": "sim.games.matches",
    "GameView": "sim.games.matches",
    "load_game": "sim.games.matches",
    "MatchConfig": "sim.games.matches",
    "MatchResult": "sim.games.matches",
    "play_match": "sim.games.matches",
    "resolve_game": "sim.games.matches",
    "round_robin": "sim.games.matches",
    "TournamentResult": "sim.games.matches",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
