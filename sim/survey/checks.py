"""Row checks of a survey file, vectorised: the first problem in file order becomes a one-line error.

Row checks come first (empty ids, unknown task, a value that is not a number or lies outside
the row's scale, a rank that is not a whole number), then checks across rows (a participant in
two groups, a second answer to the same question, a repeated rank, ranks with gaps, two scales
for one question).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.survey.format import RANK_TASKS, RATING_TASKS, TASKS, Survey

Problem = tuple[np.ndarray, str, Callable[[int], str], str]   # mask, column, problem(i), fix


def _num(v: float) -> str:
    return f"{v:g}"


def _row_problems(t: pd.DataFrame, value: pd.Series, lo: pd.Series, hi: pd.Series) -> list[Problem]:
    task = t["task"]
    known, rating, rank = task.isin(TASKS), task.isin(RATING_TASKS), task.isin(RANK_TASKS)
    targeted = task.isin(("rating", "ranking"))
    bad_value = known & ~np.isfinite(value)
    out: list[Problem] = [
        (t["participant"] == "", "participant", lambda i: "empty", "give every row the id of the participant who answered"),
        (t["group"] == "", "group", lambda i: "empty", "give every row the participant's group id"),
        (~known, "task", lambda i: f"unknown task '{task[i]}'", f"use one of {', '.join(TASKS)}"),
        (known & (t["criterion"] == ""), "criterion", lambda i: "empty", "name the criterion the answer is about"),
        (targeted & (t["target"] == ""), "target", lambda i: f"empty for task {task[i]}",
         "name the rated or ranked item, base design or site"),
        (known & ~targeted & (t["target"] != ""), "target", lambda i: f"'{t['target'][i]}' given for task {task[i]}",
         "leave target empty for the importance tasks"),
        (bad_value, "value", lambda i: f"'{t['value'][i]}' is not a number" if t["value"][i] else "empty",
         "give a number: a rating on the row's scale, or a rank 1, 2, ..."),
        (rating & ~np.isfinite(lo), "scale_min", lambda i: f"'{t['scale_min'][i]}' is not a number for a rating",
         "give the lowest value of the rating scale, e.g. 1"),
        (rating & ~np.isfinite(hi), "scale_max", lambda i: f"'{t['scale_max'][i]}' is not a number for a rating",
         "give the highest value of the rating scale, e.g. 5"),
        (rating & (lo >= hi), "scale_max", lambda i: f"scale_max {_num(hi[i])} is not above scale_min {_num(lo[i])}",
         "give the scale's lowest value in scale_min and its highest in scale_max"),
        (rating & ~bad_value & ((value < lo) | (value > hi)), "value",
         lambda i: f"value {_num(value[i])} is outside the stated scale {_num(lo[i])} to {_num(hi[i])}",
         "correct the value, or the row's scale_min and scale_max"),
        (rank & ((t["scale_min"] != "") | (t["scale_max"] != "")), "scale_min",
         lambda i: f"a scale ({t['scale_min'][i] or '-'} to {t['scale_max'][i] or '-'}) is given for a rank",
         "leave scale_min and scale_max empty for ranks"),
        (rank & ~bad_value & ((value < 1) | (value != np.floor(value))), "value",
         lambda i: f"rank {_num(value[i])} is not a whole number from 1", "rank from 1 (most important or best) upwards"),
    ]
    return [(np.asarray(m, dtype=bool), c, p, f) for m, c, p, f in out]


def _cross_row_problems(t: pd.DataFrame, value: pd.Series, lo: pd.Series, hi: pd.Series) -> list[Problem]:
    rows = pd.Series(np.arange(1, len(t) + 1), index=t.index)
    first_group = t.groupby("participant", sort=False)["group"].transform("first")
    first_row = rows.groupby(t["participant"], sort=False).transform("first")
    key = ["participant", "task", "target", "criterion"]
    first_answer = rows.groupby([t[k] for k in key], sort=False).transform("first")
    rank = t["task"].isin(RANK_TASKS)
    unit = t["participant"] + "\x1f" + t["task"] + "\x1f" + t["criterion"].where(t["task"] == "ranking", "")
    first_rank = rows.groupby([unit, value], sort=False).transform("first")
    size = unit.map(unit[rank].value_counts())
    rating = t["task"].isin(RATING_TASKS)
    scale_key = [t["task"], t["criterion"]]
    lo0, hi0 = lo.groupby(scale_key).transform("first"), hi.groupby(scale_key).transform("first")
    scale_row = rows.groupby(scale_key).transform("first")

    def whose(i: int) -> str:
        if t["task"][i] == "ranking":
            return f"the ranking of participant '{t['participant'][i]}' on {t['criterion'][i]}"
        return f"the importance ranking of participant '{t['participant'][i]}'"

    out: list[Problem] = [
        (t["group"] != first_group, "group",
         lambda i: f"participant '{t['participant'][i]}' is in group '{t['group'][i]}' here but in "
                   f"'{first_group[i]}' on row {first_row[i]}", "give each participant one group"),
        (rows != first_answer, "value",
         lambda i: f"a second answer of participant '{t['participant'][i]}' to the same task, target and "
                   f"criterion (first on row {first_answer[i]})", "keep one answer per participant and question"),
        (rank & (rows != first_rank), "value",
         lambda i: f"rank {_num(value[i])} is repeated in {whose(i)} (also on row {first_rank[i]})",
         "give each ranked option its own rank (ties are not supported)"),
        (rank & (value > size), "value",
         lambda i: f"rank {_num(value[i])}, but {whose(i)} has only {int(size[i])} options",
         "number the ranks 1, 2, ... without gaps"),
        (rating & ((lo != lo0) | (hi != hi0)), "scale_max",
         lambda i: f"scale {_num(lo[i])} to {_num(hi[i])} differs from {_num(lo0[i])} to {_num(hi0[i])} "
                   f"on row {scale_row[i]} for the same task and criterion",
         "use one scale per task and criterion"),
    ]
    return [(np.asarray(m, dtype=bool), c, p, f) for m, c, p, f in out]


def _raise_first(survey: Survey, problems: list[Problem]) -> None:
    first = None
    for order, (mask, column, problem, fix) in enumerate(problems):
        if mask.any():
            i = int(np.argmax(mask))
            if first is None or (i, order) < first[:2]:
                first = (i, order, column, problem, fix)
    if first is not None:
        i, _, column, problem, fix = first
        raise survey.error(i + 1, column, problem(i), fix)


def typed_responses(survey: Survey) -> pd.DataFrame:
    """Check every row of a survey's text columns; return them typed (`value`, scales float; `row`)."""
    t = survey.frame.reset_index(drop=True)
    value = pd.to_numeric(t["value"], errors="coerce").astype(float)
    lo = pd.to_numeric(t["scale_min"], errors="coerce").astype(float)
    hi = pd.to_numeric(t["scale_max"], errors="coerce").astype(float)
    _raise_first(survey, _row_problems(t, value, lo, hi))
    _raise_first(survey, _cross_row_problems(t, value, lo, hi))
    out = t[["participant", "group", "task", "target", "criterion"]].copy()
    out["value"], out["scale_min"], out["scale_max"] = value, lo, hi
    out["row"] = np.arange(1, len(t) + 1)
    return out
