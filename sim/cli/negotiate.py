"""Core sub-commands: run a negotiation, evaluate a planner's package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from sim.cli.common import fail, load_or_fail
from sim.cli.llm_options import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    HELP_LLM,
    HELP_MAX_TOKENS,
    HELP_RETRIES,
    HELP_THREADS,
    HELP_TIMEOUT,
    run_with_llm,
    save_llm,
    setup_llm,
)
from sim.run.registry import AgentSpec

HELP_VOICE = ("how groups state their values: truthful, silent or exaggerate[:K] for all groups, "
              "or GROUP=VOICE pairs, comma-separated (e.g. truthful,newcomers=silent)")
HELP_BELIEF = ("the rule mediator's belief under private information: item_values+decisions+ideal (default), "
               "weights, private_effects or item_values with optional +decisions, +ideal, +ep (expectation propagation) "
               "or +scale (each group's private-effect scale learned)")
HELP_AGENTS = ("stakeholder agents: a spec for all groups (heuristic, heuristic:conceder, llm) "
               "or GROUP=SPEC pairs, comma-separated, with an optional default first")


def parse_agents(text: str, group_ids: list[str]) -> tuple[str, dict[str, str]]:
    """'heuristic' or 'llm,seniors=heuristic' -> (default spec, per-group overrides); exit 2 on errors."""
    from sim.run.runner import split_lineup

    try:
        return split_lineup(text, group_ids)
    except ValueError as err:
        fail(f"--agents: {err}")
    raise AssertionError("unreachable")


def check_agents(mediator: str, default: str, lineup: dict[str, str], where: str = "--mediator") -> None:
    """Exit 2 with one line when the mediator or a stakeholder spec names no registered agent.

    `where` names the mediator's origin in the message (the flag, or the scenario's protocol.mediator).
    """
    from sim.cli.common import check_mediator_name
    from sim.run.registry import stakeholder_names

    check_mediator_name(mediator, where)
    for spec in [default, *lineup.values()]:
        if AgentSpec.parse(spec).name not in stakeholder_names():
            fail(f"--agents: unknown agent '{spec}'; fix: use one of {', '.join(stakeholder_names())}")


def check_protocol(s, information: str | None, elicitation: str | None, voice: str) -> None:
    """Exit 2 with one line on an unknown information mode, elicitation or voice."""
    from sim.core.elicitation import parse_elicitation
    from sim.core.voice import VoiceError, parse_voices

    if information is not None and information not in ("private", "full"):
        fail(f"--information: unknown mode '{information}'; fix: use private or full")
    if elicitation is not None:
        try:
            parse_elicitation(elicitation)
        except ValueError as err:
            fail(f"--elicitation: {str(err).replace('; use', '; fix: use', 1)}")
    try:
        parse_voices(voice, s.group_ids)
    except VoiceError as err:
        fail(f"--voice: {err}")


def check_belief_option(mediator: str, belief: str) -> str:
    """The belief name, or exit 2 with one line when the mediator holds none or the name is unknown."""
    from sim.run.registry import check_belief

    if why := check_belief(mediator, belief):
        fail(f"--belief: {why}")
    return belief


def check_run_work(s, path: Path, information: str | None, max_rounds: int | None, max_seconds: float | None) -> None:
    """Exit 2 with one line when the run's estimated work is above the limit (--max-seconds raises it)."""
    from sim.run.work import WorkTooLarge, check_work

    try:
        check_work(s, information, max_rounds, limit=max_seconds, where=str(path),
                   hint=", or allow it with --max-seconds SECONDS")
    except WorkTooLarge as err:
        fail(str(err))


def run(scenario: Path = typer.Argument(..., help="scenario YAML file"),
        out: Optional[Path] = typer.Option(None, "--out", help="run folder (default: runs/NAME-MEDIATOR-seedN-SETTINGS)"),
        seed: Optional[int] = typer.Option(None, "--seed", min=0, help="run seed (default: the scenario's)"),
        mediator: Optional[str] = typer.Option(None, "--mediator", help="mediator strategy"),
        max_rounds: Optional[int] = typer.Option(None, "--max-rounds", min=1, help="round limit"),
        agents: str = typer.Option("heuristic", "--agents", help=HELP_AGENTS),
        information: Optional[str] = typer.Option(None, "--information",
                                                  help="private (the mediator hears only statements) or full "
                                                       "(default: the scenario's protocol.information)"),
        elicitation: Optional[str] = typer.Option(None, "--elicitation",
                                                  help="none, rank:K (rank K drafts each round) or a ballot "
                                                       "with the positions: threshold[:T], knapsack, value_rank, "
                                                       "vfm_rank, approve:K"),
        voice: str = typer.Option("truthful", "--voice", help=HELP_VOICE),
        belief: Optional[str] = typer.Option(None, "--belief", help=HELP_BELIEF),
        opening: Optional[str] = typer.Option(None, "--opening",
                                              help="comma-separated item ids the mediator opens from (a planner's proposal)"),
        llm: Optional[str] = typer.Option(None, "--llm", help=HELP_LLM),
        replay: Optional[Path] = typer.Option(None, "--replay", help="re-run from a run folder's recorded LLM responses"),
        dry_run: bool = typer.Option(False, "--dry-run", help="print the LLM calls and tokens a run needs at most"),
        llm_max_tokens: Optional[int] = typer.Option(None, "--llm-max-tokens", min=16, help=HELP_MAX_TOKENS),
        llm_timeout: float = typer.Option(DEFAULT_TIMEOUT, "--llm-timeout", min=0.1, help=HELP_TIMEOUT),
        llm_retries: int = typer.Option(DEFAULT_RETRIES, "--llm-retries", min=0, max=10, help=HELP_RETRIES),
        llm_threads: Optional[int] = typer.Option(None, "--llm-threads", min=1, help=HELP_THREADS),
        quiet: bool = typer.Option(False, "--quiet", help="print only the run folder"),
        overwrite: bool = typer.Option(False, "--overwrite", help="replace an existing --out folder"),
        max_seconds: Optional[float] = typer.Option(None, "--max-seconds", min=0.0,
                                                    help="give up (one line, nothing written) past this long")) -> None:
    """Run one mediated negotiation and write summary.json, transcript.jsonl, outcomes.csv."""
    from sim.core.records import default_run_folder, write_run
    from sim.run.registry import STRATEGIES
    from sim.run.runner import RunConfig, deadline, run_negotiation

    s = load_or_fail(scenario)
    default, lineup = parse_agents(agents, s.group_ids)
    mediator_name = mediator or s.protocol.mediator
    check_agents(mediator_name, default, lineup, "--mediator" if mediator else f"{scenario}: protocol.mediator")
    check_protocol(s, information, elicitation, voice)
    check_run_work(s, scenario, information, max_rounds, max_seconds)
    options = {}
    if belief is not None:
        options["beliefs"] = check_belief_option(mediator_name, belief)
    if opening is not None:
        ids = [p.strip() for p in opening.split(",") if p.strip()]
        unknown = [i for i in ids if i not in s.item_ids]
        if unknown:
            fail(f"--opening: unknown item id '{unknown[0]}'; fix: use ids from {scenario}")
        if mediator_name not in STRATEGIES:
            fail(f"--opening: the {mediator_name} mediator does not take an opening; fix: use a rule-based mediator")
        options["opening"] = tuple(ids)
    seed_used = s.protocol.seed if seed is None else seed
    out = out or default_run_folder(s.name, seed_used, mediator_name, {
        "agents": None if agents == "heuristic" else agents, "information": information, "elicitation": elicitation,
        "voice": None if voice == "truthful" else voice, "rounds": max_rounds, "opening": opening, "belief": belief,
        "llm": llm, "replay": replay})
    if out.exists() and not overwrite:
        fail(f"--out: {out} already exists; fix: choose another folder or add --overwrite")
    flags = {"llm": llm, "replay": replay, "dry_run": dry_run, "max_rounds": max_rounds,
             "max_tokens": llm_max_tokens, "timeout": llm_timeout, "retries": llm_retries,
             "threads": llm_threads}
    setup = setup_llm(s, default, lineup, mediator_name, seed, flags)
    if setup is None:   # dry run
        return
    config = RunConfig(seed=seed, mediator=mediator_name, max_rounds=max_rounds, agents=default,
                       lineup=lineup, agent_options=setup.agent_options,
                       mediator_options={**setup.mediator_options, **options},
                       information=information, elicitation=elicitation, voice=voice)
    progress = None if max_seconds is None else deadline(max_seconds)
    result = run_with_llm(lambda: run_negotiation(s, config, progress), setup)
    summary = write_run(result, out, scenario_path=str(scenario))
    save_llm(setup, out)
    if quiet:
        typer.echo(str(out))
        return
    from sim.analysis.decision import decision_summary
    from sim.cli.render import print_run

    print_run(summary, result.ctx.rubric, out, decision=decision_summary(summary, result.transcript, s))


def evaluate(scenario: Path = typer.Argument(..., help="scenario YAML file"),
             package: str = typer.Option(..., "--package", help="comma-separated item ids ('' for none)"),
             as_json: bool = typer.Option(False, "--json", help="print one JSON object")) -> None:
    """Score a package against the base designs and the optimal package of each objective."""
    from sim.core.context import make_context
    from sim.core.evaluate import evaluate_package

    s = load_or_fail(scenario)
    ids = [p.strip() for p in package.split(",") if p.strip()]
    unknown = [i for i in ids if i not in s.item_ids]
    if unknown:
        fail(f"--package: unknown item id '{unknown[0]}'; fix: use ids from {scenario} "
             f"(e.g. {', '.join(s.item_ids[:3])})")
    ctx = make_context(s)
    report = evaluate_package(ctx, ctx.rubric.package(ids))
    from sim.cli.render import print_evaluation
    from sim.report.evaluation import evaluation_dict

    if as_json:
        typer.echo(json.dumps(evaluation_dict(report, ctx), indent=2))
    else:
        print_evaluation(report, ctx)


def register(app: typer.Typer) -> None:
    """Add `negsim run` and `negsim evaluate` to the CLI app."""
    app.command()(run)
    app.command()(evaluate)
