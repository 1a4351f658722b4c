"""Stakeholder attribution as the value of voice: who carried the deal by speaking.

v(S) is the metric (over all groups) of the package the negotiation reaches when the groups in
S speak as they did in the run and every group outside S is silent (silent groups still vote):
the negotiation is re-run, same scenario, seed, mediator and agents, once per coalition
(memoised). Exact Shapley values up to EXACT_MAX_GROUPS groups, permutation sampling with
standard errors beyond. Beside each group's share the table reports how much its own utility
changes when it alone goes silent, and its share of the draft changes it obtained in the
transcript; a group whose influence share exceeds its Shapley share by more than a margin is
flagged (the capture check).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.analysis.attribution import (
    Attribution,
    AttributionError,
    ShapleySettings,
    gini_notes,
    metric_fn,
    reference_designs,
    run_shapley,
)
from sim.core.context import NegotiationContext
from sim.run.registry import AgentSpec

CAPTURE_MARGIN = 0.25
EXACT_MAX_GROUPS = 10


@dataclass(frozen=True)
class VoiceSetup:
    """How to re-run the negotiation: seed, stakeholder specs, and each group's voice when it speaks."""

    seed: int = 0
    agents: str = "heuristic"
    lineup: dict[str, str] = field(default_factory=dict)
    voices: dict[str, str] = field(default_factory=dict)     # group id -> voice in the run (default truthful)

    @classmethod
    def from_summary(cls, summary: dict, group_ids) -> "VoiceSetup":
        """The setup of a run folder's summary.json; LLM stakeholders are refused (one line, with the fix)."""
        agents = summary.get("agents") or {}
        lineup = {g: str(agents.get(g, "heuristic")) for g in group_ids}
        llm = [g for g, spec in lineup.items() if AgentSpec.parse(spec).name == "llm"]
        if llm:
            raise AttributionError(f"summary.json: agents: group '{llm[0]}' is an LLM agent; the value of voice "
                                   "re-runs the negotiation once per coalition; fix: explain a run of rule-based "
                                   "stakeholders (--agents heuristic)")
        return cls(int(summary.get("seed", 0)), "heuristic", lineup, dict(summary.get("voices") or {}))


class VoiceRuns:
    """The negotiated package for each coalition of speaking groups (memoised re-runs)."""

    def __init__(self, ctx: NegotiationContext, setup: VoiceSetup) -> None:
        self.ctx, self.setup = ctx, setup
        self.memo: dict[bytes, np.ndarray] = {}

    def __call__(self, S: np.ndarray) -> np.ndarray:
        """The packages reached for a batch of 0/1 coalition rows, one row each."""
        return np.array([self.one(row) for row in np.asarray(S) != 0], dtype=float)

    def one(self, row: np.ndarray) -> np.ndarray:
        """The package reached when only the groups of `row` speak (the others are silent)."""
        from sim.run.runner import RunConfig, run_negotiation

        key = np.asarray(row, dtype=bool).tobytes()
        if key not in self.memo:
            gids = self.ctx.rubric.group_ids
            voice = ",".join(f"{g}={self.setup.voices.get(g, 'truthful') if on else 'silent'}"
                             for g, on in zip(gids, np.asarray(row, dtype=bool)))
            config = RunConfig(seed=self.setup.seed, agents=self.setup.agents, lineup=self.setup.lineup,
                               voice=voice)
            self.memo[key] = np.asarray(run_negotiation(self.ctx, config).outcome.package, dtype=np.int8)
        return self.memo[key]


def silence_costs(ctx: NegotiationContext, runs: VoiceRuns) -> dict[str, float]:
    """Each group's own utility when everyone speaks minus when it alone is silent."""
    G = ctx.rubric.n_groups
    everyone = runs.one(np.ones(G, dtype=bool))
    out = {}
    for g, gid in enumerate(ctx.rubric.group_ids):
        row = np.ones(G, dtype=bool)
        row[g] = False
        out[gid] = float(ctx.rubric.values[g] @ everyone - ctx.rubric.values[g] @ runs.one(row))
    return out


def attribute_stakeholders(ctx: NegotiationContext, package: np.ndarray, metrics: list[str],
                           transcript: list[dict] | None = None,
                           settings: ShapleySettings = ShapleySettings(),
                           margin: float = CAPTURE_MARGIN, setup: VoiceSetup = VoiceSetup()) -> Attribution:
    """Shapley value of each group's voice on each metric, its cost of silence, and the capture diagnostic."""
    rub = ctx.rubric
    runs = VoiceRuns(ctx, setup)
    if settings.method == "auto" and rub.n_groups > EXACT_MAX_GROUPS:
        settings = ShapleySettings("sampled", settings.n_samples, settings.seed)
    ref = reference_designs(ctx, package)
    results = {}
    for metric in metrics:
        score = metric_fn(ctx, metric, ref)
        results[metric] = run_shapley(lambda S, score=score: score(runs(S)), list(rub.group_ids), settings)
    notes = [f"v(S): metric over all groups of the package negotiated (seed {setup.seed}, "
             f"{ctx.protocol.information} information) when only the groups in S speak; the others are "
             f"silent but still vote; {len(runs.memo)} negotiations re-run"]
    details = {"silence_cost": silence_costs(ctx, runs), "negotiations": len(runs.memo)}
    if transcript:
        influence = draft_influence(transcript, rub.group_ids)
        details["capture"] = capture_table(results[metrics[0]], influence, margin)
    return Attribution("stakeholders", results, tuple(notes + gini_notes(metrics)), details)


def _requested(amendment: str) -> list[tuple[str, str]]:
    """The (op, item) changes an amendment string asks for: add/drop, swap = add + drop."""
    op, _, rest = amendment.partition(":")
    if op == "swap":
        new, _, old = rest.partition(">")
        return [("add", new), ("drop", old)]
    return [(op, rest)] if op in ("add", "drop") else []


def draft_influence(transcript: list[dict], group_ids: tuple[str, ...]) -> dict[str, float]:
    """Each group's share of the item changes between successive drafts that it had asked for.

    A change counts for a group when the group asked for it in the round before;
    a change asked by several groups is shared equally.
    """
    credit = dict.fromkeys(group_ids, 0.0)
    asks: dict[int, dict[str, set]] = {}
    drafts = []
    for row in transcript:
        if row.get("kind") == "draft" and row.get("package") is not None:
            drafts.append((row["round"], set(row["package"])))
        elif row.get("kind") == "object" and row.get("agent") in credit:
            wanted = {c for a in row.get("amendments", []) for c in _requested(a)}
            asks.setdefault(row["round"], {})[row["agent"]] = wanted
    changes = 0
    for (_, before), (rnd, after) in zip(drafts, drafts[1:]):
        made = [("add", i) for i in after - before] + [("drop", i) for i in before - after]
        changes += len(made)
        for change in made:
            askers = [g for g, wanted in asks.get(rnd - 1, {}).items() if change in wanted]
            for g in askers:
                credit[g] += 1.0 / len(askers)
    return {g: (c / changes if changes else 0.0) for g, c in credit.items()}


def capture_table(result, influence: dict[str, float], margin: float) -> list[dict]:
    """Per group: Shapley share (|phi| normalised), influence share and a capture flag.

    A group is flagged when its influence share exceeds its Shapley share by more than `margin`.
    """
    mags = {g: abs(v) for g, v in result.values.items()}
    total = sum(mags.values())
    rows = []
    for g in result.players:
        share = mags[g] / total if total > 0 else 0.0
        rows.append({"group": g, "shapley": result.values[g], "shapley_share": share,
                     "influence_share": influence.get(g, 0.0),
                     "capture": influence.get(g, 0.0) - share > margin})
    return rows


def silence_text(costs: dict[str, float]) -> str:
    """Each group's cost of going silent alone, as readable lines."""
    width = max(len(g) for g in costs)
    lines = ["own utility lost when the group alone goes silent (everyone else speaks):"]
    lines += [f"  {g:<{width}}  {c:+.3f}" for g, c in costs.items()]
    return "\n".join(lines)


def capture_text(rows: list[dict], margin: float = CAPTURE_MARGIN) -> str:
    """The capture diagnostic as a readable table."""
    width = max(len(r["group"]) for r in rows)
    lines = [f"capture check (influence share of draft changes vs Shapley share, margin {margin:g}):"]
    for r in rows:
        flag = "  <- influence exceeds Shapley share" if r["capture"] else ""
        lines.append(f"  {r['group']:<{width}}  shapley share {r['shapley_share']:6.1%}  "
                     f"draft changes {r['influence_share']:6.1%}{flag}")
    return "\n".join(lines)
