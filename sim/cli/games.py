"""`negsim game` (2x2 repeated games and round robins) and `negsim repeated` (budget cycles)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from sim.cli.common import fail, load_or_fail
from sim.run.registry import AgentSpec

HELP_PLAYERS = ("two players, comma-separated: always_cooperate, always_defect, tit_for_tat, "
                "grim_trigger, alternate, random[:P], win_stay_lose_shift, suspicious_tit_for_tat, "
                "tit_for_two_tats, stakeholder:boulware|linear|conceder, llm, llm:predict")


def _game_or_fail(name: str, payoffs: str | None):
    from sim.core.scenario import ScenarioError
    from sim.games.matches import resolve_game

    try:
        return resolve_game(name, payoffs)
    except ScenarioError as err:
        fail(str(err))


def _players_or_fail(specs: list[str], llm: str | None) -> list:
    from sim.run.registry import game_player_names, llm_run_hook, make_game_player

    model = None
    if any(AgentSpec.parse(s).name == "llm" for s in specs):
        try:
            make_chat_model = llm_run_hook("chat_model")
        except ImportError:
            fail("--players: llm players need the LLM layer; fix: pip install 'negsim[llm]'")
        try:
            model = make_chat_model(llm or "local")
        except Exception as err:  # a missing extra or key: one line, no traceback
            fail(f"--llm: {str(err).splitlines()[0]}")
    players = []
    for spec in specs:
        try:
            players.append(make_game_player(spec, **({"model": model} if spec.startswith("llm") else {})))
        except (KeyError, ValueError) as err:
            fail(f"--players: {err.args[0]}; fix: use one of {', '.join(game_player_names())}")
    return players


def _write(out: Path, files: dict[str, str]) -> None:
    """Write the finished results atomically (the folder is created only now)."""
    from sim.core.records import atomic_write

    for name, text in files.items():
        atomic_write(out / name, text)


def game(game_name: str = typer.Argument(..., metavar="pd|bos|pd_classic|FILE", help="the 2x2 game"),
         rounds: int = typer.Option(10, "--rounds", min=1, help="rounds (the cap when --prob-end > 0)"),
         players: str = typer.Option("tit_for_tat,always_defect", "--players", help=HELP_PLAYERS),
         payoffs: Optional[str] = typer.Option(None, "--payoffs", help="classic symmetric form R,P,S,T"),
         noise: float = typer.Option(0.0, "--noise", min=0.0, max=1.0, help="chance a move is flipped"),
         prob_end: float = typer.Option(0.0, "--prob-end", min=0.0, max=0.99, help="chance of ending after a round"),
         seed: int = typer.Option(0, "--seed", min=0),
         llm: Optional[str] = typer.Option(None, "--llm", help="chat model for llm players (default local)"),
         out: Optional[Path] = typer.Option(None, "--out", help="folder for rounds.csv and match.json"),
         as_json: bool = typer.Option(False, "--json", help="print one JSON object")) -> None:
    """Play a 2x2 repeated game between two players."""
    from sim.games.matches import MatchConfig, play_match

    g = _game_or_fail(game_name, payoffs)
    specs = [p.strip() for p in players.split(",") if p.strip()]
    if len(specs) != 2:
        fail(f"--players: expected two players, got {len(specs)}; fix: e.g. --players tit_for_tat,always_defect")
    result = play_match(g, _players_or_fail(specs, llm), MatchConfig(rounds, noise, prob_end, seed))
    data = result.as_json()
    if out is not None:
        _write(out, {"rounds.csv": result.to_frame().to_csv(index=False),
                     "match.json": json.dumps(data, indent=2) + "\n"})
    if as_json:
        typer.echo(json.dumps(data))
        return
    labels = "".join(f"{a}{b} " for a, b in data["moves"][:40])
    typer.echo(f"{g.name} {data['rounds']} rounds: {specs[0]} vs {specs[1]}")
    typer.echo(f"moves: {labels}{'...' if data['rounds'] > 40 else ''}")
    typer.echo(f"scores: {data['scores'][0]:g} / {data['scores'][1]:g}; cooperation "
               f"{data['cooperation_rate'][0]:.2f} / {data['cooperation_rate'][1]:.2f}")


def tournament(game_name: str = typer.Argument(..., metavar="pd|bos|pd_classic|FILE"),
               strategies: str = typer.Option("", "--strategies", help="comma-separated (default: all scripted)"),
               rounds: int = typer.Option(200, "--rounds", min=1),
               repetitions: int = typer.Option(1, "--repetitions", min=1),
               payoffs: Optional[str] = typer.Option(None, "--payoffs", help="R,P,S,T"),
               noise: float = typer.Option(0.0, "--noise", min=0.0, max=1.0),
               prob_end: float = typer.Option(0.0, "--prob-end", min=0.0, max=0.99),
               seed: int = typer.Option(0, "--seed", min=0),
               out: Optional[Path] = typer.Option(None, "--out", help="folder for matches.csv, ranking.csv")) -> None:
    """Round-robin tournament among scripted strategies; prints the ranking."""
    from sim.games.matches import MatchConfig, round_robin
    from sim.run.registry import make_game_player, scripted_strategies

    g = _game_or_fail(game_name, payoffs)
    names = [s.strip() for s in strategies.split(",") if s.strip()] or scripted_strategies()
    if any(n.startswith("llm") for n in names):
        fail("--strategies: llm players are not allowed in tournaments; fix: play them with `negsim game`")
    _players_or_fail(names, None)       # validates every name up front
    entrants = {n: (lambda n=n: make_game_player(n)) for n in names}
    result = round_robin(g, entrants, MatchConfig(rounds, noise, prob_end, seed), repetitions=repetitions)
    ranking = result.ranking()
    if out is not None:
        _write(out, {"matches.csv": result.matches_frame().to_csv(index=False),
                     "ranking.csv": ranking.to_csv(index=False)})
    typer.echo(ranking.to_string(index=False))


def repeated(scenario: Path = typer.Argument(..., help="scenario YAML file"),
             periods: int = typer.Option(10, "--periods", min=1, max=1000),
             growth: Optional[float] = typer.Option(None, "--growth", min=-0.9, max=10.0,
                                                    help="per-period budget growth (0.05 = +5%, <0 shrinks)"),
             funded: Optional[str] = typer.Option(None, "--funded", help="leave | stay (default: scenario or leave)"),
             maintenance: Optional[float] = typer.Option(None, "--maintenance", min=0.0, max=1.0,
                                                         help="share of cost to keep a funded item (stay)"),
             mediator: Optional[str] = typer.Option(None, "--mediator"),
             ledger: bool = typer.Option(False, "--ledger", help="ledger-aware mediator (cumulative utilities)"),
             seed: Optional[int] = typer.Option(None, "--seed", min=0),
             out: Optional[Path] = typer.Option(None, "--out", help="folder for periods.csv, repeated.json"),
             as_json: bool = typer.Option(False, "--json", help="print the summary as JSON")) -> None:
    """Budget cycles: the same stakeholders negotiate PERIODS times, with memory."""
    from sim.core.scenario import RepeatedOptions
    from sim.run.cycles import RepeatedConfig, run_repeated
    from sim.run.registry import mediator_names

    s = load_or_fail(scenario)
    if AgentSpec.parse(mediator or s.protocol.mediator).name not in mediator_names():
        fail(f"--mediator: unknown mediator '{mediator}'; fix: use one of {', '.join(mediator_names())}")
    if funded not in (None, "leave", "stay"):
        fail(f"--funded: unknown mode '{funded}'; fix: use leave or stay")
    given = {"growth": growth, "funded": funded, "maintenance": maintenance}
    options = (s.repeated or RepeatedOptions()).model_copy(
        update={k: v for k, v in given.items() if v is not None})
    config = RepeatedConfig(periods=periods, options=options, mediator=mediator or s.protocol.mediator,
                            ledger=ledger, seed=seed)
    result = run_repeated(s, config)
    summary = result.summary()
    if out is not None:
        if result.last_run is not None:       # a run folder the dashboard can open (last period)
            from sim.core.records import write_run

            write_run(result.last_run, out, scenario_path=str(scenario))
        _write(out, {"periods.csv": result.periods_frame().to_csv(index=False),
                     "repeated.json": json.dumps(summary, indent=2) + "\n"})
    if as_json:
        typer.echo(json.dumps(summary))
        return
    typer.echo(result.periods_frame().drop(columns=["package"]).to_string(index=False))
    typer.echo(f"cumulative: total {summary['cumulative']['total']:.2f}, worst_group "
               f"{summary['cumulative']['worst_group']:.2f} ({summary['cumulative']['worst_group_id']}), "
               f"gini {summary['cumulative']['gini']}; worst-off periods {summary['worst_off_periods']}")


def register(app: typer.Typer) -> None:
    """Add `negsim game`, `negsim tournament` and `negsim repeated` to the CLI app."""
    app.command()(game)
    app.command()(tournament)
    app.command()(repeated)
