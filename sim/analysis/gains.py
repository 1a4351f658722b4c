"""Who gains and who loses against a city design, and which metrics the negotiated package does worse on.

Read from summary.json only (per-group utilities and metrics of the negotiated package and of
every base design), so the dashboard, `negsim run` and the report say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.analysis.labels import Labels

__all__ = ["HIGHER_IS_BETTER", "GainsLosses", "GroupChange", "gains_and_losses", "p20_reference"]

HIGHER_IS_BETTER = {"total": True, "worst_group": True, "p20": True, "gini": False, "nash_welfare": True}
TIE = 1e-9


@dataclass(frozen=True)
class GroupChange:
    """A group's utility under the negotiated package and under the city design."""

    group: str
    label: str
    negotiated: float
    design: float

    @property
    def change(self) -> float:
        """Negotiated minus design (negative: the group loses)."""
        return self.negotiated - self.design


@dataclass(frozen=True)
class GainsLosses:
    """Per-group change against one city design (largest loss first), the worst-off group, worse metrics."""

    design: str
    design_label: str
    changes: list[GroupChange]
    worst_off: str                     # label of the negotiated package's worst-off group
    worst_off_utility: float
    worse: list[str]                   # one sentence per metric where the negotiated package is worse

    @property
    def losers(self) -> list[GroupChange]:
        """Groups worse off than under the design, largest loss first."""
        return [c for c in self.changes if c.change < -TIE]

    @property
    def gainers(self) -> list[GroupChange]:
        """Groups better off than under the design, largest gain first."""
        return sorted((c for c in self.changes if c.change > TIE), key=lambda c: -c.change)

    def lines(self) -> list[str]:
        """Plain sentences: who loses, who gains, the worst-off group, the worse metrics."""
        def listing(rows):
            return ", ".join(f"{c.label} {c.change:+.2f}" for c in rows)
        out = [f"Against the city design {self.design_label}: "
               + ("; ".join(part for part in (
                   f"losing: {listing(self.losers)}" if self.losers else "",
                   f"gaining: {listing(self.gainers)}" if self.gainers else "") if part)
                  or "no group's utility changes") + " (utility points)."]
        out.append(f"Worst-off group under the negotiated package: {self.worst_off} "
                   f"(utility {self.worst_off_utility:.2f}).")
        return out + self.worse


def p20_reference(summary: dict, labels: Labels) -> str:
    """The designs P20 is scored against in this run (P20 depends on which designs are compared)."""
    names = [labels.design("negotiated")] + [labels.design(d) for d in summary.get("baselines") or {}]
    return "scored against " + ", ".join(names)


def _worse_sentence(key: str, ours: float, theirs: float, design: str, labels: Labels, summary: dict) -> str:
    text = (f"The negotiated package is worse than {design} on {labels.metric(key)}: "
            f"{ours:.3f} against {theirs:.3f}")
    if key == "p20":
        text += f" ({p20_reference(summary, labels)})"
    elif key == "gini":
        text += " (lower is fairer)"
    return text + "."


def _worse(summary: dict, record: dict, design: str, labels: Labels) -> list[str]:
    ours, theirs = summary.get("metrics") or {}, record.get("metrics") or {}
    out = []
    for key, higher in HIGHER_IS_BETTER.items():
        a, b = ours.get(key), theirs.get(key)
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            continue
        if (a < b - TIE) if higher else (a > b + TIE):
            out.append(_worse_sentence(key, float(a), float(b), design, labels, summary))
    return out


def gains_and_losses(summary: dict, labels: Labels, design: str | None = None) -> GainsLosses | None:
    """The change per group against `design` (default: the run's best base design); None without one."""
    design = design or summary.get("best_base")
    record = (summary.get("baselines") or {}).get(design or "")
    ours = summary.get("per_group") or {}
    if not record or not ours:
        return None
    theirs = record.get("per_group") or {}
    changes = sorted((GroupChange(g, labels.group(g), float(u), float(theirs[g]))
                      for g, u in ours.items() if g in theirs), key=lambda c: (c.change, c.label))
    worst = (summary.get("metrics") or {}).get("worst_group_id") or min(ours, key=lambda g: (ours[g], g))
    name = labels.design(design)
    return GainsLosses(design, name, changes, labels.group(worst), float(ours[worst]),
                       _worse(summary, record, name, labels))
