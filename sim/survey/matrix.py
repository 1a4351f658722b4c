"""A survey as one response matrix: participants as rows, one column per (task, criterion, target).

Columns are grouped in blocks, one per (task, criterion): the targets rated or ranked on
that criterion, or a single column for an importance task. Missing answers are NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.survey.format import TASKS, Survey


@dataclass(frozen=True, eq=False)
class ResponseMatrix:
    """Responses as arrays: `values` (n, K), group `labels` (n,), column and block tables."""

    participants: tuple[str, ...]
    groups: tuple[str, ...]
    labels: np.ndarray          # (n,) group index of each participant
    values: np.ndarray          # (n, K) float, NaN = not answered
    columns: pd.DataFrame       # task, criterion, target, block (one row per column)
    blocks: pd.DataFrame        # task, criterion, start, stop, scale_min, scale_max (one row per block)

    @property
    def block_of_column(self) -> np.ndarray:
        """Block index of every column."""
        return self.columns["block"].to_numpy()

    def block(self, b: int) -> np.ndarray:
        """The (n, T) sub-matrix of block b."""
        row = self.blocks.iloc[b]
        return self.values[:, int(row["start"]):int(row["stop"])]

    def targets(self, b: int) -> list[str]:
        """Column targets of block b ('' for an importance task)."""
        row = self.blocks.iloc[b]
        return self.columns["target"].iloc[int(row["start"]):int(row["stop"])].tolist()

    def task_blocks(self, task: str) -> list[int]:
        """Block indices of one task, in criterion order."""
        return [int(b) for b in np.flatnonzero(self.blocks["task"].to_numpy() == task)]


def response_matrix(survey: Survey) -> ResponseMatrix:
    """Pivot a validated survey into a ResponseMatrix (participants in order of appearance)."""
    f = survey.frame
    participants = survey.participants
    groups = survey.groups
    g_index = {g: i for i, g in enumerate(groups)}
    labels = np.array([g_index[survey.group_of[p]] for p in participants], dtype=np.int64)
    order = {t: i for i, t in enumerate(TASKS)}
    keys = f[["task", "criterion", "target"]].drop_duplicates()
    crit_order = {c: i for i, c in enumerate(pd.unique(f["criterion"]))}
    targ_order = {t: i for i, t in enumerate(pd.unique(f["target"]))}
    keys = keys.assign(_t=keys["task"].map(order), _c=keys["criterion"].map(crit_order),
                       _g=keys["target"].map(targ_order)).sort_values(["_t", "_c", "_g"])
    columns = keys[["task", "criterion", "target"]].reset_index(drop=True)
    col_index = pd.Series(np.arange(len(columns)),
                          index=pd.MultiIndex.from_frame(columns[["task", "criterion", "target"]]))
    p_index = pd.Series(np.arange(len(participants)), index=participants)
    rows = p_index.reindex(f["participant"]).to_numpy()
    cols = col_index.reindex(pd.MultiIndex.from_frame(f[["task", "criterion", "target"]])).to_numpy()
    values = np.full((len(participants), len(columns)), np.nan)
    values[rows, cols] = f["value"].to_numpy()
    block_key = columns["task"] + "\x1f" + columns["criterion"]
    columns["block"] = pd.factorize(block_key)[0]
    scales = f.groupby(["task", "criterion"], sort=False)[["scale_min", "scale_max"]].first()
    blocks = columns.groupby("block").agg(task=("task", "first"), criterion=("criterion", "first"))
    starts = columns.reset_index().groupby("block")["index"].agg(["min", "max"])
    blocks["start"], blocks["stop"] = starts["min"], starts["max"] + 1
    blocks = blocks.join(scales, on=["task", "criterion"]).reset_index(drop=True)
    return ResponseMatrix(tuple(participants), tuple(groups), labels, values, columns, blocks)
