"""Agreement and consensus tables: Krippendorff's alpha, Kendall's W and Plackett-Luce consensus.

Reliability units: the targets of one criterion (rating and ranking tasks), or the criteria
of the task (importance tasks, reported under criterion `(all)`); raters are participants.
Alpha is computed over everyone and within each group: groups that agree inside and differ
across show systematic disagreement. Kendall's W and consensus rankings for rank tasks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.survey import agreement, luce
from sim.survey.format import IMPORTANCE_TASKS, RANK_TASKS
from sim.survey.matrix import ResponseMatrix
from sim.survey.stats import kendall_w, nanmean

ALL = "(all)"
CONSENSUS_ALPHA = 0.01          # weak regularisation: the group's rankings carry the estimate


def units(m: ResponseMatrix) -> list[tuple[str, str, np.ndarray, list[str]]]:
    """Reliability units: (task, criterion or ALL, column indices, option names) per analysis unit."""
    out = []
    for task in dict.fromkeys(m.blocks["task"]):
        blocks = m.task_blocks(task)
        if task in IMPORTANCE_TASKS:
            cols = np.array([int(m.blocks["start"].iloc[b]) for b in blocks])
            out.append((task, ALL, cols, [m.blocks["criterion"].iloc[b] for b in blocks]))
        else:
            for b in blocks:
                row = m.blocks.iloc[b]
                out.append((task, row["criterion"], np.arange(int(row["start"]), int(row["stop"])), m.targets(b)))
    return out


def _who(m: ResponseMatrix) -> list[tuple[str, np.ndarray]]:
    return [(ALL, np.ones(len(m.labels), dtype=bool))] + [
        (g, m.labels == i) for i, g in enumerate(m.groups)]


def agreement_table(m: ResponseMatrix) -> pd.DataFrame:
    """One row per (task, criterion, group): participants, alpha ordinal and interval, Kendall's W."""
    rows = []
    for task, criterion, cols, _ in units(m):
        sub = m.values[:, cols]
        answered = ~np.isnan(sub).all(axis=1)
        for group, who in _who(m):
            data = sub[who & answered]
            row = {"task": task, "criterion": criterion, "group": group, "n_participants": len(data),
                   **{f"alpha_{k}": v for k, v in agreement.alphas(data).items()},
                   "kendall_w": np.nan, "kendall_p": np.nan}
            if task in RANK_TASKS:
                complete = data[~np.isnan(data).any(axis=1)]
                row["kendall_w"], row["kendall_p"] = kendall_w(complete)
            rows.append(row)
    return pd.DataFrame(rows, columns=["task", "criterion", "group", "n_participants", "alpha_ordinal",
                                       "alpha_interval", "kendall_w", "kendall_p"])


def consensus_table(m: ResponseMatrix) -> pd.DataFrame:
    """Each group's (and everyone's) consensus ranking per rank task unit: mean rank, PL strength."""
    rows = []
    for task, criterion, cols, options in units(m):
        if task not in RANK_TASKS:
            continue
        sub = m.values[:, cols]
        everyone = None
        for group, who in _who(m):
            data = sub[who & ~np.isnan(sub).all(axis=1)]
            if not len(data):
                continue
            strength = luce.consensus_strengths(len(options), luce.rank_matrix_orders(data), CONSENSUS_ALPHA,
                                                start=everyone)
            everyone = strength if everyone is None else everyone
            mean_rank = nanmean(data, axis=0)
            order = np.argsort(-strength, kind="stable")
            place = np.empty(len(options), dtype=int)
            place[order] = np.arange(1, len(options) + 1)
            rows += [{"task": task, "criterion": criterion, "group": group, "option": opt,
                      "mean_rank": mean_rank[k], "strength": strength[k], "consensus_rank": int(place[k])}
                     for k, opt in ((k, options[k]) for k in order)]
    return pd.DataFrame(rows, columns=["task", "criterion", "group", "option", "mean_rank", "strength",
                                       "consensus_rank"])
