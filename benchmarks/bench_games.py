"""Repeated-games figures: 2x2 match rounds per second, and budget-cycle periods per second.

Rounds per second of scripted 2x2 matches (ours vs axelrod's Match, same machine, same run),
and periods per second of rule-based budget cycles.

Usage: python benchmarks/bench_games.py [--turns 200] [--repeat 3] [--periods 10] [--no-axelrod]
(axelrod is a test-time oracle: `pip install 'axelrod<4.14'`; its import takes ~15 s.)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAIRS = {"always_cooperate": "Cooperator", "always_defect": "Defector", "tit_for_tat": "TitForTat",
         "grim_trigger": "Grudger", "alternate": "Alternator", "win_stay_lose_shift": "WinStayLoseShift",
         "suspicious_tit_for_tat": "SuspiciousTitForTat", "tit_for_two_tats": "TitFor2Tats"}


def ours(turns: int, repeat: int, noise: float) -> float:
    """Rounds per second over every ordered pair of scripted strategies."""
    from agents.game_players import make_player
    from sim.games.matches import MatchConfig, classic_pd, play_match

    game, rounds = classic_pd(), 0
    start = time.perf_counter()
    for r in range(repeat):
        for a in PAIRS:
            for b in PAIRS:
                m = play_match(game, (make_player(a), make_player(b)), MatchConfig(turns, noise, 0.0, r))
                rounds += m.rounds
    return rounds / (time.perf_counter() - start)


def axelrod_rate(axl, turns: int, repeat: int, noise: float) -> float:
    """The same matches with axelrod.Match (a fresh Match per pair: replays are cached)."""
    game, rounds = axl.Game(r=3, s=0, t=5, p=1), 0
    start = time.perf_counter()
    for r in range(repeat):
        for a in PAIRS.values():
            for b in PAIRS.values():
                match = axl.Match((getattr(axl, a)(), getattr(axl, b)()), turns=turns, game=game,
                                  noise=noise, seed=r)
                rounds += len(match.play())
    return rounds / (time.perf_counter() - start)


def budget_cycles(name: str, periods: int, funded: str, ledger: bool) -> tuple[float, dict]:
    """Periods per second and the summary of one budget-cycle run on a shipped scenario."""
    from sim.core.scenario import RepeatedOptions, load_scenario
    from sim.run.cycles import RepeatedConfig, run_repeated

    s = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    start = time.perf_counter()
    result = run_repeated(s, RepeatedConfig(periods=periods, ledger=ledger,
                                            options=RepeatedOptions(funded=funded)))
    return periods / (time.perf_counter() - start), result.summary()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--turns", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--periods", type=int, default=10)
    ap.add_argument("--no-axelrod", action="store_true")
    ap.add_argument("--scenarios", default="tiny_example,park_renovation,montreal_streets")
    args = ap.parse_args()
    rates = {}
    for noise in (0.0, 0.05):
        rates[("negsim", noise)] = ours(args.turns, args.repeat, noise)
        print(f"negsim scripted 2x2, noise {noise:g}: {rates[('negsim', noise)]:,.0f} rounds/s "
              f"({len(PAIRS) ** 2 * args.repeat} matches of {args.turns} turns)")
    if not args.no_axelrod:
        t = time.perf_counter()
        import axelrod as axl
        print(f"(import axelrod: {time.perf_counter() - t:.1f} s)")
        for noise in (0.0, 0.05):
            rates[("axelrod", noise)] = axelrod_rate(axl, args.turns, args.repeat, noise)
            print(f"axelrod Match, noise {noise:g}: {rates[('axelrod', noise)]:,.0f} rounds/s")
    print()
    for name in [n.strip() for n in args.scenarios.split(",") if n.strip()]:
        budget_cycles(name, 1, "leave", False)          # warm-up: imports, solver start
        for funded in ("leave", "stay"):
            (pb, blind), (pa, aware) = (budget_cycles(name, args.periods, funded, led) for led in (False, True))
            print(f"{name} ({funded}, {args.periods} periods): blind {pb:.2f} periods/s, ledger {pa:.2f} "
                  f"periods/s; cumulative worst_group blind {blind['cumulative']['worst_group']:.3f} "
                  f"vs ledger-aware {aware['cumulative']['worst_group']:.3f}; agreements "
                  f"{blind['agreements']}/{aware['agreements']}")
    if ("axelrod", 0.0) in rates:
        print(f"\nNote: on this machine, in this run, negsim's scripted matches ran "
              f"{rates[('negsim', 0.0)] / rates[('axelrod', 0.0)]:.1f}x axelrod's Match without noise and "
              f"{rates[('negsim', 0.05)] / rates[('axelrod', 0.05)]:.1f}x with noise 0.05 (same pairs, turns, game).")


if __name__ == "__main__":
    main()
