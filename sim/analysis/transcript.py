"""A transcript a planner can read: labels for ids, amendments in words, why a group objects.

Rows are read defensively (unknown kinds are shown plainly). The criteria behind an
objection come from the engine's numbers: the group's per-criterion utility of the draft
against its own stated position (its best feasible package), largest shortfall first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from sim.analysis.labels import Labels, labels_for
from sim.core.rubric import Rubric
from sim.core.scenario import Scenario

__all__ = ["ReadableRow", "amendment_text", "objection_drivers", "readable_transcript", "words"]

ASKING = re.compile(r";?\s*asking\s.*$")
SHORTFALL = 1e-9


@dataclass(frozen=True)
class ReadableRow:
    """One transcript row in words: who, what, why, and any flag."""

    index: int                        # 0-based line of transcript.jsonl
    round: int
    agent: str
    role: str
    kind: str
    text: str                         # the reason with ids replaced by labels
    asks: str = ""                    # amendments in words
    drivers: list[tuple[str, float]] = field(default_factory=list)   # (criterion label, shortfall)
    flags: list[str] = field(default_factory=list)
    package: list[str] | None = None  # labels of a draft / position / outcome package
    speaker: str = ""                 # the agent's label (its group's label, or 'Mediator')


def amendment_text(text: str, labels: dict[str, str] | Labels) -> str:
    """'swap:A>B' -> 'add <label A>, drop <label B>'; 'add:A' -> 'add <label A>' (bare ids too)."""
    return words(text, labels)


def words(text: str, labels: dict[str, str] | Labels) -> str:
    """Amendment tokens and bare ids in free text replaced by their labels, in one pass (sim.analysis.labels)."""
    if not isinstance(labels, Labels):
        labels = Labels(items=dict(labels), groups={}, criteria={}, designs={})
    return labels.words(text)


def objection_drivers(rubric: Rubric, group: str, draft: list[str], reference: list[str],
                      criteria: dict[str, str], top: int = 2) -> list[tuple[str, float]]:
    """The criteria on which the draft falls furthest below the group's reference package.

    Shortfall per criterion c: sum_k cv[g, k, c] (ref_k - draft_k), the group's weighted loss on c.
    """
    if group not in rubric.group_index:
        return []
    g = rubric.group_index[group]
    known = rubric.item_index
    x = rubric.package([i for i in draft if i in known]).astype(float)
    ref = rubric.package([i for i in reference if i in known]).astype(float)
    loss = (ref - x) @ rubric.criterion_values[g]
    order = np.argsort(-loss, kind="stable")
    return [(criteria.get(rubric.criterion_ids[c], rubric.criterion_ids[c]), float(loss[c]))
            for c in order[:top] if loss[c] > SHORTFALL]


def _flags(row: dict) -> list[str]:
    flags = []
    meta = row.get("meta") if isinstance(row.get("meta"), dict) else {}
    if row.get("kind") == "fallback" or meta.get("fallback"):
        flags.append(f"fallback: {meta.get('fallback', 'rule-based move')}")
    u, r = row.get("utility"), row.get("reservation")
    if row.get("kind") == "accept" and isinstance(u, (int, float)) and isinstance(r, (int, float)) \
            and u < r - 1e-6:
        who = f"LLM ({meta['llm']})" if meta.get("llm") else "the agent"
        flags.append(f"contradicts its own numbers: {who} accepted utility {u:.2f} below its "
                     f"reservation {r:.2f}")
    if meta.get("human"):
        flags.append("human seat")
    if meta.get("edited"):
        flags.append("edited move (counterfactual)")
    return flags


def _row(index: int, row: dict, labels: Labels, draft: list[str], positions: dict, rubric, crit) -> ReadableRow:
    kind, agent = str(row.get("kind", "?")), str(row.get("agent", "?"))
    amendments = [str(a) for a in row.get("amendments") or []]
    reason = str(row.get("reason") or "")
    if amendments:
        reason = ASKING.sub("", reason)
    drivers = []
    if kind == "object" and rubric is not None and draft:
        drivers = objection_drivers(rubric, agent, draft, positions.get(agent, []), crit)
    pkg = row.get("package")
    return ReadableRow(index, int(row.get("round", 0) or 0), agent, str(row.get("role", "")), kind,
                       words(reason, labels), "; ".join(amendment_text(a, labels) for a in amendments),
                       drivers, _flags(row),
                       [labels.of(i) for i in pkg] if isinstance(pkg, list) else None,
                       labels.of(agent) if agent != "mediator" else "Mediator")


def readable_transcript(transcript: list[dict], scenario: Scenario, rubric: Rubric | None = None) -> list[ReadableRow]:
    """Every row in words; objections name the criteria that drive them (when a rubric is given)."""
    labels = labels_for(scenario)
    crit = labels.criteria
    draft: list[str] = []
    positions: dict[str, list[str]] = {}
    out = []
    for i, row in enumerate(transcript):
        if not isinstance(row, dict):
            continue
        if row.get("kind") == "position" and isinstance(row.get("package"), list):
            positions[str(row.get("agent"))] = list(row["package"])
        if row.get("kind") in ("draft", "repair") and isinstance(row.get("package"), list):
            draft = list(row["package"])
        out.append(_row(i, row, labels, draft, positions, rubric, crit))
    return out
