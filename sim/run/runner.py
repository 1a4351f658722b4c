"""Run negotiations: one run through the PettingZoo env, and many seeds.

Every negotiation goes through `sim.core.protocol.NegotiationEnv`; agents are looked up by
name in `sim.run.registry`. One SeedSequence per run spawns the env's seed and one
generator per agent, so a run is a pure function of (scenario, config).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from sim.core.cache import memo
from sim.core.context import NegotiationContext, make_context
from sim.core.errors import NegsimError
from sim.core.evaluate import DesignReport, evaluate_designs
from sim.core.protocol import MEDIATOR, NegotiationEnv, Outcome
from sim.core.scenario import Scenario
from sim.core.voice import parse_voices
from sim.run.benchmark import benchmark


@dataclass(frozen=True)
class RunConfig:
    """What varies between runs of one scenario."""

    seed: int | None = None              # None: the scenario's protocol.seed
    mediator: str | None = None          # None: the scenario's protocol.mediator
    max_rounds: int | None = None
    agents: str = "heuristic"            # default stakeholder spec for every group
    lineup: dict[str, str] = field(default_factory=dict)   # group id -> spec overrides
    agent_options: dict[str, Any] = field(default_factory=dict)
    mediator_options: dict[str, Any] = field(default_factory=dict)
    information: str | None = None       # None: the scenario's protocol.information
    elicitation: str | None = None       # None: the scenario's protocol.elicitation
    voice: str = "truthful"              # a voice for every group, or 'truthful,GROUP=silent,...'

    def agent_spec(self, group_id: str) -> str:
        """The stakeholder spec of a group: its lineup override, else the default `agents`."""
        return self.lineup.get(group_id, self.agents)


@dataclass
class RunResult:
    """Everything a run produced; `sim.core.records` turns it into files."""

    ctx: NegotiationContext
    config: RunConfig
    seed: int
    outcome: Outcome
    transcript: list[dict]
    designs: dict[str, DesignReport]
    pareto_optimal: bool
    agents: dict[str, str]
    seconds: float
    usage: dict[str, Any] = field(default_factory=dict)
    benchmark: dict[str, Any] = field(default_factory=dict)
    voices: dict[str, str] = field(default_factory=dict)


def split_lineup(text: str, group_ids: list[str]) -> tuple[str, dict[str, str]]:
    """'heuristic' or 'llm,seniors=heuristic:conceder' -> (default spec, per-group specs).

    Raises ValueError naming an unknown group.
    """
    default, lineup = "heuristic", {}
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        if "=" in part:
            gid, spec = (s.strip() for s in part.split("=", 1))
            if gid not in group_ids:
                raise ValueError(f"unknown group '{gid}'; fix: use one of {', '.join(group_ids)}")
            lineup[gid] = spec
        else:
            default = part
    return default, lineup


def recorded_spec(spec: str, built: Any, ran: Any) -> str:
    """What a run records for a seat: its spec, unless `prepare` put another agent there.

    A replacing agent names itself with a `recorded_spec` attribute, else by its class ("module:Class").
    """
    if ran is built:
        return spec
    return getattr(ran, "recorded_spec", None) or f"{type(ran).__module__}:{type(ran).__qualname__}"


def _make_agents(ctx: NegotiationContext, config: RunConfig) -> dict[str, Any]:
    from sim.run.registry import make_mediator, make_stakeholder  # registry lookup only

    agents: dict[str, Any] = {MEDIATOR: make_mediator(ctx.protocol.mediator, **config.mediator_options)}
    for gid in ctx.rubric.group_ids:
        agents[gid] = make_stakeholder(config.agent_spec(gid), gid, **config.agent_options)
    return agents


class RunOverTime(NegsimError):
    """A run passed its --max-seconds before the negotiation ended (nothing is written)."""


def deadline(max_seconds: float, clock: Callable[[], float] = time.perf_counter) -> Callable[[int, int], None]:
    """A `progress` callback for run_negotiation that ends the run with RunOverTime once `max_seconds` pass.

    It is checked as each round starts, so a run stops at a round boundary.
    """
    end = clock() + max_seconds

    def check(round_: int, max_rounds: int) -> None:
        if clock() > end:
            raise RunOverTime(f"--max-seconds: the run passed {max_seconds:g} s at round {round_} of {max_rounds}; "
                              "fix: allow more time, lower --max-rounds or shrink the scenario (docs/limits.md)")
    return check


def play(env: NegotiationEnv, agents: dict[str, Any], seed: int,
         progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Drive the AEC env to its end with the given agents (seeded per agent).

    progress(round, max_rounds), when given, is called as each new round starts.
    """
    seq = np.random.SeedSequence(seed)
    children = seq.spawn(len(env.possible_agents) + 1)
    env.reset(seed=int(children[0].generate_state(1)[0]))
    for name, child in zip(env.possible_agents, children[1:]):
        agents[name].reset(env.agent_context(name), np.random.default_rng(child))
    seen = -1
    for name in env.agent_iter():
        if env.terminations[name] or env.truncations[name]:
            env.step(None)
            continue
        if progress is not None and env.state_.round != seen:
            seen = env.state_.round
            progress(seen, env.ctx.max_rounds)
        env.step(agents[name].act(env.view(name)))
    assert env.outcome is not None
    return env.outcome


def run_negotiation(scenario: Scenario | NegotiationContext, config: RunConfig = RunConfig(),
                    progress: Callable[[int, int], None] | None = None,
                    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> RunResult:
    """Run one negotiation and evaluate its outcome beside the base designs.

    `prepare(agents)`, when given, may wrap or feed the agents before play (a counterfactual's edited
    move, a human seat's answers) and returns the agents to play.
    """
    started = time.perf_counter()
    ctx = context_for(scenario, config)
    seed = ctx.protocol.seed if config.seed is None else int(config.seed)
    built = _make_agents(ctx, config)
    agents = prepare(dict(built)) if prepare is not None else built
    voices = parse_voices(config.voice, ctx.rubric.group_ids)
    env = NegotiationEnv(ctx, voices=voices)
    outcome = play(env, agents, seed, progress)
    bench = benchmark(ctx, outcome.package, env.state_.transcript, agents[MEDIATOR])
    reports, pareto = _designs(ctx, outcome.package)
    usage = {}
    for agent in agents.values():
        usage_fn = getattr(agent, "usage", None)
        if callable(usage_fn):
            usage = merge_usage(usage, usage_fn())
    specs = {**{gid: config.agent_spec(gid) for gid in ctx.rubric.group_ids}, MEDIATOR: ctx.protocol.mediator}
    lineup = {name: recorded_spec(spec, built[name], agents[name]) for name, spec in specs.items()}
    return RunResult(ctx, config, seed, outcome, env.state_.transcript, reports, pareto,
                     lineup, time.perf_counter() - started, usage, bench,
                     {gid: str(v) for gid, v in voices.items()})


def _designs(ctx: NegotiationContext, package: np.ndarray) -> tuple[dict[str, DesignReport], bool]:
    """The outcome beside the base designs and whether it is Pareto-optimal, memoised per context and package."""
    table, key = memo(ctx, "run_designs", 4096), np.asarray(package, dtype=np.int8).tobytes()
    if key not in table:
        reports = evaluate_designs(ctx, {"negotiated": package, **ctx.base_packages}, {"negotiated": "negotiated"})
        table[key] = (reports, bool(ctx.search.is_pareto_optimal(package)))
    reports, pareto = table[key]
    return dict(reports), pareto


def context_for(scenario: Scenario | NegotiationContext, config: RunConfig) -> NegotiationContext:
    """The context a run negotiates in: `scenario` with the config's protocol overrides.

    A given context is used as it is when the config overrides nothing it does not already hold;
    otherwise a context with the config's settings is built on its rubric (every field honoured).
    """
    from sim.run.registry import implied_elicitation

    mediator = config.mediator or (scenario.protocol.mediator if hasattr(scenario, "protocol") else None)
    elicitation = config.elicitation or implied_elicitation(mediator)
    settings = {"max_rounds": config.max_rounds, "mediator": config.mediator,
                "information": config.information, "elicitation": elicitation}
    if isinstance(scenario, NegotiationContext):
        wanted = {k: v for k, v in settings.items() if v is not None}
        if all(getattr(scenario.protocol, k) == v for k, v in wanted.items()):
            return scenario
        return make_context(scenario.scenario, rubric=scenario.rubric, **settings)
    return make_context(scenario, **settings)


def merge_usage(a: dict, b: dict) -> dict:
    """Add up numeric usage counters (LLM calls, tokens, fallbacks)."""
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v if isinstance(v, (int, float)) and not isinstance(v, bool) else v
    return out


def run_over_seeds(scenario: Scenario, config: RunConfig, seeds: list[int]) -> list[RunResult]:
    """The same configuration over several seeds, sharing one context (and its caches)."""
    ctx = context_for(scenario, config)
    return [run_negotiation(ctx, RunConfig(**{**config.__dict__, "seed": s})) for s in seeds]
