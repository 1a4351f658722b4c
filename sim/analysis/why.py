"""Why each item was added or dropped against a city design, and who blocked a run without agreement.

Read from the transcript: the round whose draft last brought the item in (or took it out), the
groups whose objection in the round before asked for that change (an amendment naming the item),
and the constraint that holds it there, from the engine's own feasibility rule
(`Rubric.why_infeasible` on the package with the item flipped) and the red lines the groups stated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.analysis.labels import Labels
from sim.core.moves import Amendment
from sim.core.rubric import Rubric

__all__ = ["Blocker", "ItemWhy", "blockers", "item_reasons"]


@dataclass(frozen=True)
class ItemWhy:
    """Why one item is in (added) or out (dropped) of the negotiated package against the design."""

    item: str
    label: str
    added: bool
    round: int                          # the round whose draft settled it (1: the opening draft)
    groups: list[str] = field(default_factory=list)       # ids of the groups that asked for it
    constraints: list[str] = field(default_factory=list)  # in words

    def sentence(self, labels: Labels) -> str:
        """'Added Rain gardens in round 7, asked for by Families; constraint: ...'."""
        verb = "Added" if self.added else "Dropped"
        who = (", asked for by " + ", ".join(labels.group(g) for g in self.groups) if self.groups
               else ", by the mediator without a group asking for it")
        text = f"{verb} {self.label} in round {self.round}{who}"
        if self.round <= 1:
            text = f"{verb} {self.label} in the opening draft (round 1)"
        return text + ("; " + "; ".join(self.constraints) if self.constraints else "") + "."


@dataclass(frozen=True)
class Blocker:
    """A group that objected in the last round of a run without agreement, and what it asked for."""

    group: str
    utility: float | None
    reservation: float | None
    asks: list[str]                     # amendments in words
    human: bool = False                 # a person played this seat


def _asks(row: dict, item: str, added: bool) -> bool:
    """Whether a reply row asked to bring `item` in (added) or take it out."""
    for text in row.get("amendments") or []:
        try:
            a = Amendment.parse(str(text))
        except ValueError:
            continue
        brings_in = a.op in ("add", "swap") and a.item == item
        takes_out = (a.op == "drop" and a.item == item) or (a.op == "swap" and a.other == item)
        if (added and brings_in) or (not added and takes_out):
            return True
    return False


def _settled_round(drafts: list[tuple[int, list[str]]], item: str, added: bool) -> int:
    """The round of the draft from which the item stayed in (added) or out (dropped) to the end."""
    settled = drafts[0][0] if drafts else 0
    for (_, before), (r, after) in zip(drafts, drafts[1:]):
        if (item in after) == added and (item in before) != added:
            settled = r
    return settled


def _red_lines(transcript: list[dict], item: str, added: bool) -> list[str]:
    """Groups whose stated position made the item a red line (must-have when added, never when dropped)."""
    key = "must_have" if added else "never"
    return [str(r.get("agent")) for r in transcript
            if r.get("kind") == "position" and item in (r.get(key) or [])]


def _constraints(rubric: Rubric, package: list[str], item: str, added: bool,
                 transcript: list[dict], labels: Labels) -> list[str]:
    flipped = [i for i in package if i != item] if added else [*package, item]
    reasons = [labels.words(r) for r in rubric.why_infeasible(rubric.package(flipped))]
    lines = [("taking it out: " if added else "putting it back: ") + r for r in reasons]
    red = _red_lines(transcript, item, added)
    if red:
        kind = "a must-have" if added else "a never-item"
        lines.append(f"a stated red line: {kind} of " + ", ".join(labels.group(g) for g in red))
    return lines


def item_reasons(summary: dict, transcript: list[dict], rubric: Rubric, labels: Labels,
                 design: str | None = None) -> list[ItemWhy]:
    """For every item added or dropped against `design` (default: best base): round, groups, constraint."""
    design = design or summary.get("best_base")
    record = (summary.get("baselines") or {}).get(design or "") or {}
    base, package = list(record.get("package") or []), list(summary.get("package") or [])
    drafts = [(int(r.get("round", 0)), list(r["package"])) for r in transcript
              if r.get("kind") in ("draft", "repair") and isinstance(r.get("package"), list)]
    out = []
    for item, added in [(i, True) for i in package if i not in base] + [(i, False) for i in base if i not in package]:
        r = _settled_round(drafts, item, added)
        groups = [str(row.get("agent")) for row in transcript
                  if row.get("role") == "stakeholder" and int(row.get("round", -1)) == r - 1
                  and _asks(row, item, added)]
        out.append(ItemWhy(item, labels.item(item), added, r, list(dict.fromkeys(groups)),
                           _constraints(rubric, package, item, added, transcript, labels)))
    return out


def blockers(summary: dict, transcript: list[dict], labels: Labels) -> list[Blocker]:
    """The groups that objected in the last round of a run without agreement (empty on agreement)."""
    if summary.get("agreement"):
        return []
    replies = [r for r in transcript if r.get("role") == "stakeholder" and r.get("kind") in ("accept", "object")]
    if not replies:
        return []
    last = max(int(r.get("round", 0)) for r in replies)
    return [Blocker(str(r.get("agent")), r.get("utility"), r.get("reservation"),
                    [labels.words(a) for a in r.get("amendments") or []],
                    bool((r.get("meta") or {}).get("human")) if isinstance(r.get("meta"), dict) else False)
            for r in replies if int(r.get("round", 0)) == last and r.get("kind") == "object"]
