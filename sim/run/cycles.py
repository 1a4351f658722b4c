"""Budget cycles: the same stakeholders negotiate T times, remembering what happened.

Each period gets its own budget (growing or shrinking by a fixed rate); funded items
leave the menu, or stay on it at a maintenance cost (a share of their cost). The engine
keeps the fairness ledger (cumulative utility per group), last period's utilities and a
trust level that falls when a veto blocks a deal, and hands them to the agents as a
`PeriodMemory`; agents (agents.memory) decide what to make of it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from sim.core import metrics
from sim.core.periods import PeriodMemory
from sim.core.rubric import build_rubric
from sim.core.scenario import RepeatedOptions, Scenario, ScenarioError, parse_scenario
from sim.run.registry import AgentSpec
from sim.run.runner import RunConfig, RunResult, run_negotiation

TRUST_AFTER_VETO = 0.7       # trust is multiplied by this when a veto blocks a deal
TRUST_RECOVERY = 0.1         # and regained (up to 1) after each agreement


@dataclass(frozen=True)
class RepeatedConfig:
    """A budget-cycle run: periods, budget/menu options, agents and mediator."""

    periods: int = 10
    options: RepeatedOptions = field(default_factory=RepeatedOptions)
    mediator: str | None = None           # None: the scenario's protocol.mediator
    ledger: bool = False                  # wrap the mediator as ledger:STRATEGY
    agents: str = "memory"                # stakeholder spec (memory:CURVE carries memory)
    seed: int | None = None               # None: the scenario's protocol.seed
    max_rounds: int | None = None

    def mediator_spec(self, scenario: Scenario) -> str:
        """Each period's mediator spec: the configured or the scenario's mediator, as `ledger:NAME` when `ledger` is set."""
        name = self.mediator or scenario.protocol.mediator
        return f"ledger:{name}" if self.ledger and not name.startswith("ledger") else name


@dataclass
class RepeatedResult:
    """One row per period plus the cumulative picture."""

    scenario: Scenario
    config: RepeatedConfig
    group_ids: tuple[str, ...]
    rows: list[dict]
    utilities: np.ndarray                 # (T, G)
    p20s: list[float]
    vetoes: int
    seconds: float
    last_run: RunResult | None = None     # the last period negotiated (its run files go beside periods.csv)

    def periods_frame(self):
        """periods.csv: period, budget, agreement, package, cost, metrics, cumulative, u_<group>."""
        import pandas as pd

        return pd.DataFrame(self.rows)

    def summary(self) -> dict:
        """Cumulative total, worst_group, p20 (mean of the periods'), gini; worst-off counts."""
        cum = self.utilities.sum(axis=0) if len(self.utilities) else np.zeros(len(self.group_ids))
        low, g = metrics.worst_group(cum)
        counts = {gid: sum(r["worst_group_id"] == gid for r in self.rows) for gid in self.group_ids}
        gi = metrics.gini(cum)
        return {"scenario": self.scenario.name, "periods": len(self.rows),
                "mediator": self.config.mediator_spec(self.scenario), "agents": self.config.agents,
                "options": self.config.options.model_dump(),
                "agreements": sum(bool(r["agreement"]) for r in self.rows), "vetoes": self.vetoes,
                "cumulative": {"total": round(float(cum.sum()), 9), "worst_group": round(low, 9),
                               "worst_group_id": self.group_ids[g],
                               "p20": round(float(np.mean(self.p20s)), 9) if self.p20s else None,
                               "gini": None if gi is None else round(gi, 9),
                               "per_group": {k: round(float(v), 9) for k, v in zip(self.group_ids, cum)}},
                "worst_off_periods": counts, "seconds": round(self.seconds, 3)}


def period_scenario(scenario: Scenario, period: int, funded: set[str],
                    options: RepeatedOptions) -> Scenario | None:
    """The scenario negotiated in `period` (0-based) after `funded` items were funded.

    None when nothing on the menu fits the budget.
    """
    data = scenario.model_dump(mode="json")
    data["budget"] = scenario.budget * (1.0 + options.growth) ** period
    data["repeated"] = None
    if options.funded == "stay":
        for item in data["items"]:
            if item["id"] in funded:
                item["cost"] = item["cost"] * options.maintenance
    else:
        _remove_funded(data, funded)
    if not data["items"]:
        return None
    try:
        return parse_scenario(data, f"{scenario.name} period {period + 1}")
    except ScenarioError:
        return None       # e.g. the budget is now below the cost of every remaining item


def _remove_funded(data: dict, funded: set[str]) -> None:
    """Drop funded items, items excluded by them (transitively through requires), and links."""
    excluded = {e for i in data["items"] if i["id"] in funded for e in i["excludes"]}
    gone = set(funded) | excluded
    while True:
        more = {i["id"] for i in data["items"] if i["id"] not in gone and
                (set(i["excludes"]) & funded or set(i["requires"]) & (gone - funded))}
        if not more:
            break
        gone |= more
    items = [i for i in data["items"] if i["id"] not in gone]
    for item in items:
        item["requires"] = [r for r in item["requires"] if r not in gone]
        item["excludes"] = [e for e in item["excludes"] if e not in gone]
    data["items"] = items
    data["base_designs"] = {n: [i for i in ids if i not in gone] for n, ids in data["base_designs"].items()}
    for group in data["groups"]:
        lines = group["red_lines"]
        lines["must_have"] = [i for i in lines["must_have"] if i not in gone]
        lines["never"] = [i for i in lines["never"] if i not in gone]


def veto_blocked(result: RunResult) -> bool:
    """Whether the negotiation failed only because a veto group objected in the last round."""
    if result.outcome.agreement:
        return False
    last = result.outcome.rounds
    replies = {r["agent"]: r["kind"] for r in result.transcript
               if r.get("round") == last and r.get("kind") in ("accept", "object")}
    accepts = {g for g, k in replies.items() if k == "accept"}
    vetoers = {g.id for g in result.ctx.scenario.groups if g.veto and replies.get(g.id) == "object"}
    return bool(vetoers) and result.ctx.accepted(accepts | vetoers)


def next_memory(m: PeriodMemory, u: np.ndarray, agreed: bool, blocked: bool) -> PeriodMemory:
    """The memory handed to the next period.

    Trust falls after a veto blocked a deal and recovers after an agreement; the ledger adds
    this period's utilities `u`, which become the last period's.
    """
    trust = m.trust * TRUST_AFTER_VETO if blocked else min(1.0, m.trust + TRUST_RECOVERY) if agreed else m.trust
    ledger = np.asarray(m.ledger) + u
    return PeriodMemory(m.period + 1, tuple(float(v) for v in ledger), tuple(float(v) for v in u),
                        float(trust), m.vetoes + int(blocked))


def _period_row(t: int, budget: float, result: RunResult | None, u: np.ndarray,
                cum: np.ndarray, gids: tuple[str, ...]) -> dict:
    low, g = metrics.worst_group(u)
    cum_low, _ = metrics.worst_group(cum)
    neg = result.designs["negotiated"] if result is not None else None
    row = {"period": t + 1, "budget": round(budget, 6),
           "agreement": bool(result.outcome.agreement) if result else False,
           "package": ";".join(neg.package) if neg else "", "cost": round(neg.cost, 6) if neg else 0.0,
           "total": round(float(u.sum()), 9), "worst_group": round(low, 9),
           "worst_group_id": gids[g] if result is not None else "",   # "": nothing left to fund
           "p20": round(neg.metrics.p20, 9) if neg else 0.0, "gini": metrics.gini(u),
           "cum_total": round(float(cum.sum()), 9), "cum_worst_group": round(cum_low, 9)}
    row.update({f"u_{gid}": round(float(v), 9) for gid, v in zip(gids, u)})
    return row


def run_repeated(scenario: Scenario, config: RepeatedConfig = RepeatedConfig(),
                 progress: Callable[[int, int], None] | None = None) -> RepeatedResult:
    """Play `config.periods` budget cycles; the run seed spawns every period's seed up front.

    progress(period, periods), when given, is called as each period starts (0-based).
    """
    started = time.perf_counter()
    base = build_rubric(scenario)
    gids, G = tuple(base.group_ids), base.n_groups
    seed = scenario.protocol.seed if config.seed is None else config.seed
    seeds = np.random.SeedSequence(seed).generate_state(config.periods)
    memory = PeriodMemory(0, (0.0,) * G, (0.0,) * G)
    funded: set[str] = set()
    rows, utils, p20s, last = [], [], [], None
    for t in range(config.periods):
        if progress is not None:
            progress(t, config.periods)
        budget = scenario.budget * (1.0 + config.options.growth) ** t
        period = period_scenario(scenario, t, funded, config.options)
        result = None if period is None else run_negotiation(period, RunConfig(
            seed=int(seeds[t]), mediator=config.mediator_spec(scenario), max_rounds=config.max_rounds,
            agents=config.agents, agent_options=_agent_options(config.agents, memory),
            mediator_options={"ledger": memory.ledger} if config.mediator_spec(scenario).startswith("ledger") else {}))
        ids = list(result.designs["negotiated"].package) if result else []
        u = base.utilities(base.package(ids))
        funded |= set(ids)
        utils.append(u)
        if result is not None:
            last = result
            p20s.append(result.designs["negotiated"].metrics.p20)
        rows.append(_period_row(t, budget, result, u, np.sum(utils, axis=0), gids))
        memory = next_memory(memory, u, bool(result and result.outcome.agreement),
                              bool(result and veto_blocked(result)))
    return RepeatedResult(scenario, config, gids, rows, np.array(utils).reshape(-1, G), p20s,
                          memory.vetoes, time.perf_counter() - started, last)


def _agent_options(agents: str, memory: PeriodMemory) -> dict:
    """Only memory-carrying stakeholders take the memory option."""
    return {"memory": memory} if AgentSpec.parse(agents).name == "memory" else {}
