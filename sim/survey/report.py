"""`negsim survey report`: is the disagreement in a survey systematic (group-dependent) or random.

Tables (each written as CSV by `SurveyReport.write`):
- `criteria`: per (task, criterion) the between-group share of variance with its permutation
  p-value and its Benjamini-Hochberg q over the task's criteria (`systematic` when q < level),
  Kruskal-Wallis H, p and epsilon-squared (for rated or ranked targets: on the target
  where the groups differ most, p Bonferroni-adjusted for the number of targets), Krippendorff's
  alpha overall and its mean within groups; sorted by between_share within each task.
- `agreement`, `consensus` (see sim.survey.tables), `pairs` (which groups differ most on which
  criteria: Cliff's delta and Mann-Whitney p, largest |delta| first), `group_means`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.core.records import atomic_write, jsonable
from sim.survey.format import TASKS, Survey
from sim.survey.matrix import ResponseMatrix, response_matrix
from sim.survey.stats import between_shares, kruskal_columns, mannwhitney_columns, nanmean, permutations
from sim.survey.tables import ALL, agreement_table, consensus_table

REPORT_META = "survey_report.json"
TABLES = ("criteria", "agreement", "consensus", "pairs", "group_means")
CRITERIA_COLUMNS = ["task", "criterion", "n_participants", "n_targets", "between_share", "p_permutation",
                    "q_fdr", "systematic", "kruskal_h", "kruskal_p", "kruskal_epsilon2", "kruskal_target",
                    "alpha_overall", "alpha_overall_interval", "alpha_within_mean"]


@dataclass(frozen=True)
class ReportConfig:
    """Permutations of group labels, their seed, and the false discovery rate below which a criterion is `systematic`."""

    permutations: int = 999
    seed: int = 0
    level: float = 0.05


@dataclass(frozen=True, eq=False)
class SurveyReport:
    """The disagreement analysis of one survey: tables by name, and what produced them."""

    source: str
    groups: dict[str, int]
    config: ReportConfig
    tables: dict[str, pd.DataFrame]
    seconds: float
    notes: tuple[str, ...] = field(default=())

    @property
    def participants(self) -> int:
        """Number of participants."""
        return sum(self.groups.values())

    def meta(self) -> dict:
        """What survey_report.json holds: the source, groups, settings and the tables written."""
        return jsonable({"source": self.source, "participants": self.participants, "groups": self.groups,
                         "tasks": list(dict.fromkeys(self.tables["criteria"]["task"])),
                         "permutations": self.config.permutations, "seed": self.config.seed,
                         "level": self.config.level, "seconds": self.seconds,
                         "tables": [f"{name}.csv" for name in TABLES], "notes": list(self.notes)})

    def write(self, folder: Path) -> list[Path]:
        """Write every table as CSV and survey_report.json into folder (each file atomically)."""
        folder = Path(folder)
        written = []
        for name in TABLES:
            path = folder / f"{name}.csv"
            atomic_write(path, self.tables[name].to_csv(index=False, lineterminator="\n"))
            written.append(path)
        atomic_write(folder / REPORT_META, json.dumps(self.meta(), indent=2))
        return written + [folder / REPORT_META]


def _kruskal_row(m: ResponseMatrix, cols: slice, kw: tuple[np.ndarray, ...]) -> dict:
    h, p, eps = (a[cols] for a in kw)
    targets = m.columns["target"].iloc[cols].tolist()
    if np.isnan(h).all():
        return {"kruskal_h": np.nan, "kruskal_p": np.nan, "kruskal_epsilon2": np.nan, "kruskal_target": ""}
    j = int(np.nanargmax(h))
    return {"kruskal_h": h[j], "kruskal_p": min(1.0, p[j] * len(targets)), "kruskal_epsilon2": eps[j],
            "kruskal_target": targets[j]}


def criteria_table(m: ResponseMatrix, perms: np.ndarray, agreement: pd.DataFrame, level: float) -> pd.DataFrame:
    """One row per (task, criterion), sorted by between_share (descending) within each task."""
    share, p = between_shares(m.values, m.labels, len(m.groups), m.block_of_column, perms)
    kw = kruskal_columns(m.values, m.labels, len(m.groups))
    alpha = {(t, c, g): (o, i) for t, c, g, o, i in agreement[["task", "criterion", "group", "alpha_ordinal",
                                                               "alpha_interval"]].itertuples(index=False)}
    answered = ~np.isnan(m.values)
    rows = []
    for b, blk in enumerate(m.blocks.itertuples(index=False)):
        cols = slice(int(blk.start), int(blk.stop))
        unit = (blk.task, blk.criterion) if (blk.task, blk.criterion, ALL) in alpha else (blk.task, ALL)
        within = [alpha[(*unit, g)][0] for g in m.groups if (*unit, g) in alpha]
        within = [a for a in within if np.isfinite(a)]
        rows.append({"task": blk.task, "criterion": blk.criterion,
                     "n_participants": int(answered[:, cols].any(axis=1).sum()),
                     "n_targets": cols.stop - cols.start, "between_share": share[b], "p_permutation": p[b],
                     **_kruskal_row(m, cols, kw), "alpha_overall": alpha[(*unit, ALL)][0],
                     "alpha_overall_interval": alpha[(*unit, ALL)][1],
                     "alpha_within_mean": float(np.mean(within)) if within else np.nan})
    frame = pd.DataFrame(rows, columns=[c for c in CRITERIA_COLUMNS if c not in ("q_fdr", "systematic")])
    frame.insert(6, "q_fdr", np.nan)
    for _, part in frame.groupby("task").groups.items():
        ps = frame.loc[part, "p_permutation"]
        if ps.notna().any():
            frame.loc[ps.dropna().index, "q_fdr"] = stats.false_discovery_control(ps.dropna().to_numpy())
    frame.insert(7, "systematic", frame["q_fdr"] < level)
    frame["_task"] = frame["task"].map({t: i for i, t in enumerate(TASKS)})
    frame = frame.sort_values(["_task", "between_share"], ascending=[True, False], kind="stable", na_position="last")
    return frame.drop(columns="_task").reset_index(drop=True)


def pairs_table(m: ResponseMatrix) -> pd.DataFrame:
    """Every pair of groups on every (task, criterion): where they differ most, largest |Cliff's delta| first."""
    rows = []
    targets = m.columns["target"].to_numpy()
    for a, b in combinations(range(len(m.groups)), 2):
        A, B = m.values[m.labels == a], m.values[m.labels == b]
        delta, p = mannwhitney_columns(A, B)                      # every column at once
        mean_a, mean_b = nanmean(A, axis=0), nanmean(B, axis=0)
        for _, blk in m.blocks.iterrows():
            start, stop = int(blk["start"]), int(blk["stop"])
            if np.isnan(delta[start:stop]).all():
                continue
            j = start + int(np.nanargmax(np.abs(delta[start:stop])))
            rows.append({"task": blk["task"], "criterion": blk["criterion"], "group_a": m.groups[a],
                         "group_b": m.groups[b], "target": targets[j], "mean_a": mean_a[j], "mean_b": mean_b[j],
                         "difference": mean_a[j] - mean_b[j], "cliffs_delta": delta[j], "p_mannwhitney": p[j],
                         "p_adjusted": min(1.0, p[j] * (stop - start))})
    frame = pd.DataFrame(rows, columns=["task", "criterion", "group_a", "group_b", "target", "mean_a", "mean_b",
                                        "difference", "cliffs_delta", "p_mannwhitney", "p_adjusted"])
    order = np.lexsort((frame["p_adjusted"].to_numpy(), -frame["cliffs_delta"].abs().to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


def group_means_table(survey: Survey) -> pd.DataFrame:
    """Mean, sd and count of the answers per (task, criterion, target, group)."""
    f = survey.frame
    stats = f.groupby(["task", "criterion", "target", "group"], sort=False).agg(
        n=("value", "size"), mean=("value", "mean"), sd=("value", "std"),
        scale_min=("scale_min", "first"), scale_max=("scale_max", "first")).reset_index()
    stats["_task"] = stats["task"].map({t: i for i, t in enumerate(TASKS)})
    return stats.sort_values("_task", kind="stable").drop(columns="_task").reset_index(drop=True)


def survey_report(survey: Survey, config: ReportConfig = ReportConfig()) -> SurveyReport:
    """The whole disagreement analysis of a validated survey."""
    start = time.perf_counter()
    m = response_matrix(survey)
    perms = permutations(m.labels, config.permutations, config.seed)
    agreement = agreement_table(m)
    tables = {"criteria": criteria_table(m, perms, agreement, config.level), "agreement": agreement,
              "consensus": consensus_table(m), "pairs": pairs_table(m), "group_means": group_means_table(survey)}
    groups = {g: int((m.labels == i).sum()) for i, g in enumerate(m.groups)}
    notes = tuple(f"group {g} has one participant: no within-group agreement for it" for g, n in groups.items() if n < 2)
    return SurveyReport(survey.source, groups, config, tables, time.perf_counter() - start, notes)
