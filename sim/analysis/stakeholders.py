"""Stakeholder attribution: who carried the deal, and whether anyone captured the mediator.

v(S) is the metric (over all groups) of the package the mediator's strategy picks when
only the groups in S have a voice: the strategy's objective optimised over the utilities
of S alone, with the disagreement package when S is empty. Beside each group's Shapley
share the table reports its share of the draft changes it obtained in the transcript;
a group whose influence share exceeds its Shapley share by more than a margin is flagged.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.analysis.attribution import Attribution, ShapleySettings, gini_notes, metric_fn, reference_designs, run_shapley
from sim.core.context import NegotiationContext
from sim.core.rubric import Rubric
from sim.search import exact as search
from sim.search.exact import ENUM_MAX_ITEMS, OBJECTIVES, optimise

CAPTURE_MARGIN = 0.25
FALLBACK_OBJECTIVE = "maximin"


def voice_rubric(rub: Rubric, keep: np.ndarray) -> Rubric:
    """The rubric as if only the groups in `keep` (indices) existed; feasibility unchanged."""
    keep = np.asarray(keep, dtype=np.int64)
    units = np.isin(rub.unit_group, keep)
    remap = {int(g): i for i, g in enumerate(keep)}
    return dataclasses.replace(
        rub, group_ids=tuple(rub.group_ids[g] for g in keep), weights=rub.weights[keep],
        values=rub.values[keep], sizes=rub.sizes[keep], unit_values=rub.unit_values[units],
        unit_group=np.array([remap[int(g)] for g in rub.unit_group[units]], dtype=np.int64),
        criterion_values=rub.criterion_values[keep])


def undominated(U: np.ndarray, tol: float = 2e-9) -> np.ndarray:
    """Sorted indices of the rows no other row beats by more than `tol` in every column.

    No coalition's objective (all are monotone in every voiced group's utility, with ties
    within 1e-9) can pick a removed row, and column maxima are kept, so coalitions search
    this much smaller set (idea and test from the parallel shapley2 implementation).
    """
    idx = np.argsort(-U.sum(axis=1), kind="stable")
    rest, i = np.asarray(U)[idx], 0
    while i < len(rest):
        keep = ~(rest < rest[i] - tol).all(axis=1)
        rest, idx = rest[keep], idx[keep]
        i += 1
    return np.sort(idx)


def strategy_objective(strategy: str) -> tuple[str, list[str]]:
    """The search objective a mediator strategy optimises (negotiated ranks by maximin)."""
    if strategy in OBJECTIVES:
        return strategy, []
    note = f"mediator '{strategy}' has no exact objective; coalitions choose by {FALLBACK_OBJECTIVE}"
    return FALLBACK_OBJECTIVE, [] if strategy == "negotiated" else [note]


class VoicePackages:
    """The package the strategy picks for each coalition of groups (memoised)."""

    def __init__(self, ctx: NegotiationContext, objective: str) -> None:
        self.ctx, self.objective = ctx, objective
        self.memo: dict[bytes, np.ndarray] = {}
        self._rows: tuple[np.ndarray, np.ndarray] | None = None

    def __call__(self, S: np.ndarray) -> np.ndarray:
        """The packages picked for a batch of 0/1 coalition rows, one row each."""
        return np.array([self.one(row) for row in np.asarray(S) != 0], dtype=float)

    def one(self, row: np.ndarray) -> np.ndarray:
        """The package picked when only the groups of `row` have a voice; the disagreement package for nobody."""
        key = row.tobytes()
        if key not in self.memo:
            keep = np.flatnonzero(row)
            if keep.size == 0:
                self.memo[key] = np.asarray(self.ctx.disagreement_package, dtype=np.int8)
            else:
                d = self.ctx.disagreement_utilities[keep]
                res = optimise(self._voice(keep), self.objective, disagreement=d)
                self.memo[key] = np.asarray(res.package, dtype=np.int8)
        return self.memo[key]

    def _voice(self, keep: np.ndarray) -> Rubric:
        """A voice rubric for the groups in `keep`.

        When solved by enumeration it reuses the full rubric's table of
        feasible packages (same feasible set, the voiced groups' utility columns) instead of
        enumerating 2^K packages again for each coalition.
        """
        full = self.ctx.rubric
        voice = voice_rubric(full, keep)
        if full.n_items <= ENUM_MAX_ITEMS:
            if self._rows is None:
                X, U = search.feasible_table(full)
                rows = undominated(U)
                self._rows = (X[rows], U[rows])
            X, U = self._rows
            X.setflags(write=False)
            cols = np.ascontiguousarray(U[:, keep])
            cols.setflags(write=False)
            search.share_table(voice, (X, cols))
        return voice


def attribute_stakeholders(ctx: NegotiationContext, package: np.ndarray, metrics: list[str],
                           transcript: list[dict] | None = None,
                           settings: ShapleySettings = ShapleySettings(),
                           margin: float = CAPTURE_MARGIN) -> Attribution:
    """Shapley value of each group's voice on each metric, with the capture diagnostic."""
    rub = ctx.rubric
    objective, notes = strategy_objective(ctx.protocol.mediator)
    voices = VoicePackages(ctx, objective)
    ref = reference_designs(ctx, package)
    results = {}
    for metric in metrics:
        score = metric_fn(ctx, metric, ref)
        results[metric] = run_shapley(lambda S, score=score: score(voices(S)), list(rub.group_ids), settings)
    notes += [f"v(S): metric over all groups of the {objective}-optimal feasible package for the "
              f"utilities of the groups in S only; v(empty) is the disagreement package"]
    details = {"objective": objective}
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


def capture_text(rows: list[dict], margin: float = CAPTURE_MARGIN) -> str:
    """The capture diagnostic as a readable table."""
    width = max(len(r["group"]) for r in rows)
    lines = [f"capture check (influence share of draft changes vs Shapley share, margin {margin:g}):"]
    for r in rows:
        flag = "  <- influence exceeds Shapley share" if r["capture"] else ""
        lines.append(f"  {r['group']:<{width}}  shapley share {r['shapley_share']:6.1%}  "
                     f"draft changes {r['influence_share']:6.1%}{flag}")
    return "\n".join(lines)
