"""Value profiles from survey answers: each participant's weights, group means and their bootstrap.

- importance_rating: a participant's weight of a criterion is its rating rescaled to [0, 1]
  ((value - scale_min) / (scale_max - scale_min)), normalised to sum 1; a criterion the
  participant skipped gets the participant's mean rescaled rating; all-minimum answers mean
  no preference (equal weights).
- importance_rank: Plackett-Luce MAP strengths of the participant's one ranking (choix,
  penalty `pl_alpha`); unranked criteria share the strength of the positions left.
Criteria of the scenario that the task does not ask about get weight 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.survey import luce
from sim.survey.format import Survey, SurveyError
from sim.survey.stats import nanmean

SD_FLOOR = 1e-3          # a prior sd must be > 0: criteria every member weighs alike get this


@dataclass(frozen=True, eq=False)
class MemberWeights:
    """Normalised weights (rows sum to 1) of the participants who answered the importance task."""

    task: str
    participants: tuple[str, ...]
    groups: tuple[str, ...]          # each participant's group
    criteria: tuple[str, ...]
    weights: np.ndarray              # (P, C)
    notes: tuple[str, ...]


def _task_matrix(survey: Survey, task: str, criteria: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = survey.frame[survey.frame["task"] == task]
    for c, row in zip(rows["criterion"], rows["row"]):
        if c not in criteria:
            raise survey.error(int(row), "criterion", f"unknown criterion '{c}' (not a criterion of the base scenario)",
                               f"use one of {', '.join(criteria)}, or remove these rows")
    wide = rows.pivot(index="participant", columns="criterion", values="value")
    order = [p for p in survey.participants if p in wide.index]
    scales = rows.groupby("criterion")[["scale_min", "scale_max"]].first()
    return wide.loc[order], scales


def _rating_weights(wide: pd.DataFrame, scales: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    lo = scales.loc[wide.columns, "scale_min"].to_numpy()
    hi = scales.loc[wide.columns, "scale_max"].to_numpy()
    z = (wide.to_numpy() - lo) / (hi - lo)
    fill = nanmean(z, axis=1)[:, None]
    skipped = int(np.isnan(z).any(axis=1).sum())
    z = np.where(np.isnan(z), fill, z)
    flat = z.sum(axis=1) <= 0
    z[flat] = 1.0
    notes = [f"{skipped} participant(s) skipped some importance ratings: those criteria got their mean rating"
             ] if skipped else []
    if flat.any():
        notes.append(f"{int(flat.sum())} participant(s) rated every criterion at the scale minimum: equal weights")
    return z, notes


def _rank_weights(wide: pd.DataFrame, alpha: float) -> tuple[np.ndarray, list[str]]:
    ranks = wide.to_numpy()
    n = ranks.shape[1]
    counts = (~np.isnan(ranks)).sum(axis=1)
    shapes = {int(k): np.array(luce.position_strengths(n, int(k), alpha)) for k in np.unique(counts)}
    z = np.empty_like(ranks)
    for i, (row, k) in enumerate(zip(ranks, counts)):
        table = shapes[int(k)]
        z[i] = np.where(np.isnan(row), table[min(int(k), n - 1)], table[np.nan_to_num(row, nan=1).astype(int) - 1])
    partial = int((counts < n).sum())
    note = f"{partial} participant(s) ranked only some criteria: unranked ones share the remaining strength"
    return z, [note] if partial else []


def member_weights(survey: Survey, task: str, criteria: list[str], pl_alpha: float = 1.0) -> MemberWeights:
    """Each participant's normalised weights over `criteria` from one importance task."""
    wide, scales = _task_matrix(survey, task, criteria)
    z, notes = _rating_weights(wide, scales) if task == "importance_rating" else _rank_weights(wide, pl_alpha)
    W = np.zeros((len(wide), len(criteria)))
    W[:, [criteria.index(c) for c in wide.columns]] = z
    W /= W.sum(axis=1, keepdims=True)
    left_out = len(survey.participants) - len(wide)
    if left_out:
        notes.append(f"{left_out} participant(s) gave no {task} answers: they are not members")
    return MemberWeights(task, tuple(wide.index), tuple(survey.group_of[p] for p in wide.index), tuple(criteria),
                         W, tuple(notes))


def bootstrap_priors(members: MemberWeights, groups: list[str], resamples: int, seed: int) -> pd.DataFrame:
    """Per group and criterion: members' mean weight, bootstrap standard error and 95% percentile interval.

    One Generator from `seed` resamples the members of each group (with replacement)
    `resamples` times; sd is NaN for a group with fewer than two members.
    """
    rng = np.random.default_rng(seed)
    rows = []
    member_group = np.array(members.groups)
    for g in groups:
        W = members.weights[member_group == g]
        if not len(W):
            continue
        mean = W.mean(axis=0)
        if len(W) >= 2 and resamples > 1:
            boot = W[rng.integers(0, len(W), size=(resamples, len(W)))].mean(axis=1)
            sd, lo, hi = boot.std(axis=0, ddof=1), *np.percentile(boot, [2.5, 97.5], axis=0)
        else:
            sd = lo = hi = np.full(len(mean), np.nan)
        rows += [{"group": g, "criterion": c, "members": len(W), "weight": mean[j], "sd": sd[j], "lo": lo[j],
                  "hi": hi[j]} for j, c in enumerate(members.criteria)]
    return pd.DataFrame(rows, columns=["group", "criterion", "members", "weight", "sd", "lo", "hi"])


def effect_of_rating(mean: float, lo: float, hi: float, e_max: float) -> float:
    """A mean rating on [lo, hi] on the scenario's effect scale (documented in scenarios/README.md).

    A one-sided scale (lo >= 0 or hi <= 0) maps lo -> 0 and hi -> e_max; a scale around 0
    (lo < 0 < hi) keeps 0 at 0 and maps max(|lo|, hi) to e_max, so negative ratings are harm.
    """
    if lo < 0 < hi:
        return e_max * mean / max(-lo, hi)
    return e_max * (mean - lo) / (hi - lo)


def rating_means(survey: Survey, items: list[str], criteria: list[str]) -> pd.DataFrame:
    """Group means of the ratings of the scenario's items (group, item, criterion, n, mean, scale)."""
    f = survey.frame
    rows = f[(f["task"] == "rating") & f["target"].isin(items)]
    for c, row in zip(rows["criterion"], rows["row"]):
        if c not in criteria:
            raise SurveyError(survey.source, survey.where(int(row)) + ", column criterion",
                              f"unknown criterion '{c}' for a rating of item '{f['target'].iloc[int(row) - 1]}' "
                              "(not a criterion of the base scenario)",
                              f"use one of {', '.join(criteria)}, or remove these rows")
    out = rows.groupby(["group", "target", "criterion"], sort=False).agg(
        n=("value", "size"), mean=("value", "mean"), scale_min=("scale_min", "first"),
        scale_max=("scale_max", "first")).reset_index()
    return out.rename(columns={"target": "item"})
