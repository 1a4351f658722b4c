"""What was decided and why, in a planner's words: the decision summary of a run folder.

Pure functions of a run's files (summary.json, transcript.jsonl, scenario.yaml), shared by
`negsim run`, the dashboard's Outcomes page and the printable report. Transcript rows are
read defensively: unknown kinds and missing fields are passed over, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.analysis.gains import GainsLosses, gains_and_losses
from sim.analysis.labels import Labels, labels_for
from sim.analysis.why import Blocker, ItemWhy, blockers, item_reasons
from sim.core.rubric import build_rubric
from sim.core.scenario import Scenario

__all__ = ["METRIC_HELP", "DecisionSummary", "GroupMove", "decision_summary", "label_of",
           "price_of_private_information"]

METRIC_HELP = {
    "utility": "a group's utility is the sum, over the funded items, of how much each item does for "
               "the criteria the group cares about (its weights times the item's effect scores)",
    "total": "total: the sum of every group's utility (higher is better)",
    "worst_group": "worst group: the utility of the worst-off group (higher is better; it measures "
                   "how well the package treats the group it serves least)",
    "p20": "P20: the 20th percentile of satisfaction, where 0 is a person's worst and 1 their best "
           "among the designs compared here (higher is better: even the less satisfied fifth is content)",
    "gini": "Gini: inequality of group utilities, 0 when all groups gain equally, towards 1 when one "
            "group gains everything (lower is better; undefined when the mean utility is <= 0)",
}
MOVED = 1e-6                # a reservation fell by more than this: the group moved


@dataclass(frozen=True)
class GroupMove:
    """A group's stated reservation level at the first reply and at the last round."""

    group: str
    start: float
    end: float

    @property
    def fell(self) -> float:
        """How far the reservation fell (positive: the group conceded)."""
        return self.start - self.end


@dataclass(frozen=True)
class DecisionSummary:
    """Funded items, budget used, change against the best base design, and how agreement came."""

    agreement: bool
    rounds: int
    funded: list[tuple[str, str, float]]            # (id, label, cost)
    cost: float
    budget: float
    currency: str
    best_base: str | None
    added: list[tuple[str, str]]                     # (id, label) against the best base design
    dropped: list[tuple[str, str]]
    moves: list[GroupMove] = field(default_factory=list)
    price: dict | None = None                        # efficiency / fairness / belief error
    labels: Labels | None = None
    gains: GainsLosses | None = None                 # per-group change against the design
    why: list[ItemWhy] = field(default_factory=list)  # per item added or dropped
    blockers: list[Blocker] = field(default_factory=list)
    votes: dict | None = None                        # summary benchmark.votes

    @property
    def design_label(self) -> str:
        """The compared city design in words."""
        return self.labels.design(self.best_base) if self.labels and self.best_base else str(self.best_base)

    def group(self, group_id: str) -> str:
        """A group's label."""
        return self.labels.group(group_id) if self.labels else group_id

    @property
    def budget_share(self) -> float:
        """Share of the budget the funded items use."""
        return self.cost / self.budget if self.budget else 0.0

    @property
    def moved(self) -> list[GroupMove]:
        """The groups whose reservation fell between their first reply and the last round."""
        return [m for m in self.moves if m.fell > MOVED]

    def lines(self) -> list[str]:
        """The summary as plain sentences (terminal output and the report)."""
        out = [self.headline(), self.budget_line()]
        if self.gains:
            out += self.gains.lines()
        if self.best_base:
            out.append(self.change_line())
        out += [w.sentence(self.labels) for w in self.why] if self.labels else []
        out += self.blocker_lines()
        if self.moved:
            out.append(self.moved_line())
        if self.price:
            out.append(self.price_line())
        if self.votes:
            out.append(self.votes_line())
        return out

    def headline(self) -> str:
        """Agreement (and when) and the funded items by label."""
        items = ", ".join(label for _, label, _ in self.funded) or "nothing"
        if self.agreement:
            return f"Agreement in round {self.rounds}: fund {items}."
        return f"No agreement after {self.rounds} rounds; the fallback funds {items}."

    def budget_line(self) -> str:
        """Cost against the budget."""
        return (f"Cost {self.currency} {self.cost:,.0f} of {self.currency} {self.budget:,.0f} "
                f"({100 * self.budget_share:.1f}% of the budget).")

    def change_line(self) -> str:
        """Items added and dropped against the best base design."""
        if not self.added and not self.dropped:
            return f"Same items as the best city design, {self.design_label}."
        parts = []
        if self.added:
            parts.append("adds " + ", ".join(label for _, label in self.added))
        if self.dropped:
            parts.append("drops " + ", ".join(label for _, label in self.dropped))
        return f"Against the city design {self.design_label}: " + "; ".join(parts) + "."

    def moved_line(self) -> str:
        """Which groups lowered their reservation, from what to what."""
        moves = "; ".join(f"{self.group(m.group)} {m.start:.2f} -> {m.end:.2f}" for m in self.moved)
        when = "before agreement" if self.agreement else "by the last round"
        return f"Groups that lowered their reservation {when}: {moves}."

    def blocker_lines(self) -> list[str]:
        """Who blocked in the last round of a run without agreement, and what each asked for."""
        out = []
        for b in self.blockers:
            asked = "; ".join(b.asks) or "no amendment"
            level = f" (utility {b.utility:.2f}, asking {b.reservation:.2f})" \
                if isinstance(b.utility, (int, float)) and isinstance(b.reservation, (int, float)) else ""
            seat = " (human seat)" if b.human else ""
            out.append(f"Blocked in the last round by {self.group(b.group)}{seat}{level}; its best offer: {asked}.")
        return out

    def price_line(self) -> str:
        """The price of private information (100% = as good as a mediator who knew every group's values)."""
        p = self.price or {}
        parts = [f"{name} {100 * p[name]:.1f}%" for name in ("efficiency", "fairness") if p.get(name) is not None]
        text = "Price of private information: " + ", ".join(parts)
        if p.get("belief_error") is not None:
            text += f"; mediator's mean belief error {p['belief_error']:.2f}"
        return text + " (100% = as good as a mediator who knew every group's values)."


    def votes_line(self) -> str:
        """The negotiated package against the best one-shot vote (total and worst group)."""
        from sim.run.votes import votes_line

        line = votes_line(self.votes or {})
        return line[:1].upper() + line[1:] + "."


def label_of(scenario: Scenario, item_id: str) -> str:
    """An item's label (its id when it has none or is unknown)."""
    return labels_for(scenario).item(item_id)


def price_of_private_information(summary: dict) -> dict | None:
    """Efficiency, fairness and the mean belief error, read from summary['benchmark'] (one key each)."""
    bench = summary.get("benchmark")
    if not isinstance(bench, dict):
        return None
    error = bench.get("belief_error") or {}               # per group in summary.json
    out = {"efficiency": bench.get("efficiency"), "fairness": bench.get("fairness"),
           "belief_error": sum(error.values()) / len(error) if error else None}
    return out if any(v is not None for v in out.values()) else None


def _moves(transcript: list[dict]) -> list[GroupMove]:
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for row in transcript:
        if row.get("role") != "stakeholder" or row.get("kind") not in ("accept", "object"):
            continue
        r = row.get("reservation")
        if isinstance(r, (int, float)):
            first.setdefault(row.get("agent", "?"), float(r))
            last[row.get("agent", "?")] = float(r)
    return [GroupMove(g, first[g], last[g]) for g in first]


def decision_summary(summary: dict, transcript: list[dict], scenario: Scenario) -> DecisionSummary:
    """The decision summary of a run from its summary.json, transcript rows and scenario."""
    costs = {i.id: i.cost for i in scenario.items}
    package = list(summary.get("package") or [])
    best = summary.get("best_base")
    recorded = ((summary.get("baselines") or {}).get(best) or {}).get("package")
    base = list(recorded if recorded is not None else scenario.base_designs.get(best or "", []))

    labels = labels_for(scenario)

    def labelled(ids):
        return [(i, labels.item(i)) for i in ids]
    return DecisionSummary(
        agreement=bool(summary.get("agreement")), rounds=int(summary.get("rounds") or 0),
        funded=[(i, labels.item(i), float(costs.get(i, 0.0))) for i in package],
        cost=float(summary.get("cost") or 0.0), budget=float(summary.get("budget") or scenario.budget),
        currency=summary.get("currency") or scenario.currency, best_base=best,
        added=labelled([i for i in package if i not in base]),
        dropped=labelled([i for i in base if i not in package]),
        moves=_moves(transcript), price=price_of_private_information(summary), labels=labels,
        votes=(summary.get("benchmark") or {}).get("votes"),
        gains=gains_and_losses(summary, labels, best),
        why=item_reasons(summary, transcript, build_rubric(scenario), labels, best) if best else [],
        blockers=blockers(summary, transcript, labels))
