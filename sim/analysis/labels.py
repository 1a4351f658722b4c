"""One label source: the words a planner reads for every id of a scenario and every metric key.

Every face (dashboard pages, charts, `negsim run`, the report, exports) asks `Labels` for the
name of a group, item, criterion, design or metric; raw ids appear only in tooltips and
"technical" expanders. `Labels.words` rewrites free text (transcript reasons, amendments,
attribution keys) in one pass, so a label that contains an id is never rewritten again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sim.core.scenario import Scenario

__all__ = ["METRIC_NAMES", "METRIC_UNITS", "NEGOTIATED", "Labels", "design_name", "labels_for"]

NEGOTIATED = "negotiated"                       # the design key of the negotiated package in summary.json
METRIC_NAMES = {
    "total": "total utility",
    "total_weighted": "total utility weighted by group size",
    "worst_group": "utility of the worst-off group",
    "worst_group_id": "worst-off group",
    "p20": "P20 satisfaction",
    "gini": "Gini inequality",
    "nash_welfare": "Nash welfare",
    "pareto_optimal": "Pareto optimal (no package better for every group)",
    "cost": "cost",
    "utility": "utility",
    "reservation": "reservation (utility asked for)",
}
METRIC_UNITS = {
    "total": "points", "total_weighted": "points", "worst_group": "points", "nash_welfare": "log points",
    "p20": "0 to 1", "gini": "0 to 1", "utility": "points", "reservation": "points",
}
TOKEN = r"\b(add|drop|swap):([A-Za-z0-9_.-]+)(?:>([A-Za-z0-9_.-]+))?"


def design_name(design: str) -> str:
    """A design key in words: 'negotiated' -> 'Negotiated package', 'main_street' -> 'Main street'."""
    if design == NEGOTIATED:
        return "Negotiated package"
    return _words(design)


def _words(key: str) -> str:
    """An id in words: underscores and hyphens become spaces, the first letter a capital."""
    text = key.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def scenario_name(scenario_id: object) -> str:
    """A scenario's name in words, for what a reader sees: 'montreal_streets' -> 'Montreal streets'."""
    return _words(str(scenario_id or ""))


@dataclass(frozen=True)
class Labels:
    """The labels of one scenario's ids (items, groups, criteria, base designs) and of the metrics."""

    items: dict[str, str]
    groups: dict[str, str]
    criteria: dict[str, str]                   # short form: the label before any " (...)"
    designs: dict[str, str]
    currency: str = "CAD"
    _pattern: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ids = sorted((i for i in self.every() if i != NEGOTIATED), key=len, reverse=True)
        bare = "|".join(re.escape(i) for i in ids) or r"(?!x)x"
        object.__setattr__(self, "_pattern", re.compile(rf"{TOKEN}|(?<![\w-])({bare})(?![\w-])"))

    def every(self) -> dict[str, str]:
        """Every id with its label (items win over groups, criteria and designs on a shared id)."""
        return {**self.designs, **self.criteria, **self.groups, **self.items}

    def of(self, any_id: str) -> str:
        """The label of any id of the scenario (the id itself when unknown)."""
        return self.every().get(any_id, any_id)

    def item(self, item_id: str) -> str:
        """An item's label."""
        return self.items.get(item_id, item_id)

    def group(self, group_id: str) -> str:
        """A group's label."""
        return self.groups.get(group_id, group_id)

    def criterion(self, criterion_id: str) -> str:
        """A criterion's short label."""
        return self.criteria.get(criterion_id, criterion_id)

    def design(self, design: str) -> str:
        """A design's label: 'Negotiated package' or the base design's name in words."""
        return self.designs.get(design, design_name(design))

    def money(self, amount: float) -> str:
        """An amount with its currency: 'CAD 1,190,000'."""
        return f"{self.currency} {amount:,.0f}"

    @staticmethod
    def metric(key: str, unit: bool = True) -> str:
        """A metric key in plain words, with its unit in brackets: 'utility of the worst-off group (points)'."""
        name = METRIC_NAMES.get(key, key.replace("_", " "))
        return f"{name} ({METRIC_UNITS[key]})" if unit and key in METRIC_UNITS else name

    def words(self, text: str) -> str:
        """Free text with amendment tokens ('swap:A>B') and bare ids replaced by labels, in one pass."""
        def one(m: re.Match) -> str:
            if m.group(4) is not None:
                return self.of(m.group(4))
            op, first, other = m.group(1), m.group(2), m.group(3)
            if op == "swap":
                return f"add {self.of(first)}, drop {self.of(other or '?')}"
            return f"{op} {self.of(first)}"
        return self._pattern.sub(one, str(text))

    def raw_ids(self) -> set[str]:
        """The ids a reader must never see: those that are not words of any label ('newcomers' may be one)."""
        words = set(re.findall(r"[\w-]+", " ".join(self.every().values()).lower()))
        return {i for i in self.every() if i.lower() not in words and i != NEGOTIATED}


def labels_for(scenario: Scenario) -> Labels:
    """The labels of a scenario (an unlabelled item, group or criterion keeps its id, its own name)."""
    return Labels(items={i.id: i.label or i.id for i in scenario.items},
                  groups={g.id: g.label or g.id for g in scenario.groups},
                  criteria={c.id: (c.label or c.id).split(" (")[0] for c in scenario.criteria},
                  designs={NEGOTIATED: design_name(NEGOTIATED),
                           **{d: design_name(d) for d in scenario.base_designs}},
                  currency=scenario.currency)
