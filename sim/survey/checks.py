"""Row checks of a survey file, vectorised: the first problem in file order becomes a one-line error.

Row checks come first (empty ids, unknown task, a value that is not a number or lies outside
the row's scale, a rank that is not a whole number), then checks across rows (a participant in
two groups, a second answer to the same question, a repeated rank, ranks with gaps, two scales
for one question). Ids are dictionary-encoded once, so the checks across rows are integer work.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.core.limits import EXCERPT_CHARS, MAX_CRITERIA, MAX_GROUPS, MAX_ITEMS, excerpt
from sim.survey.format import RANK_TASKS, RATING_TASKS, TASKS, Survey, SurveyError

IDS = ("participant", "group", "task", "target", "criterion")
Problem = tuple[np.ndarray, str, Callable[[int], str], str]   # mask, column, problem(i), fix


def _num(v: float) -> str:
    return f"{v:g}"


def _codes(col: pa.Array) -> tuple[np.ndarray, list[str]]:
    enc = pc.dictionary_encode(col)
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary.to_pylist()


def _numbers(col: pa.Array) -> np.ndarray:
    """Floats of a string column, NaN where empty or not a number."""
    nulled = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
    try:
        return pc.cast(nulled, pa.float64()).to_numpy(zero_copy_only=False).astype(float)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_numeric(pd.Series(col.to_numpy(zero_copy_only=False)), errors="coerce").to_numpy(dtype=float)


def _first_of(*codes: np.ndarray) -> np.ndarray:
    """For every row, the index of the first row with the same combination of codes."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    span = 1
    for c in codes:
        c = np.asarray(c, dtype=np.int64)
        c = c - c.min() if len(c) else c
        radix = int(c.max()) + 1 if len(c) else 1
        if span * radix >= 2 ** 62:                  # too many combinations for one integer key
            stacked = np.stack([np.asarray(x, dtype=np.int64) for x in codes], axis=1)
            _, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
            return first[inverse.ravel()]
        key, span = key * radix + c, span * radix
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first[inverse]


class _Rows:
    """The encoded columns of one survey, with accessors for messages."""

    def __init__(self, text: pa.Table) -> None:
        self.columns = {c: text.column(c).combine_chunks() for c in text.column_names}
        self.codes = {c: _codes(self.columns[c]) for c in IDS}
        self.value, self.lo, self.hi = (_numbers(self.columns[c]) for c in ("value", "scale_min", "scale_max"))
        self.blank = {c: pc.equal(self.columns[c], "").to_numpy(zero_copy_only=False) for c in ("scale_min", "scale_max")}

    def cell(self, column: str, i: int) -> str:
        """The text of one cell, cut to a short excerpt for messages."""
        text = str(self.columns[column][i].as_py())
        return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "..."

    def code_is(self, column: str, names) -> np.ndarray:
        codes, names_of = self.codes[column]
        return np.isin(codes, [k for k, name in enumerate(names_of) if name in names])


def _row_problems(r: _Rows) -> list[Problem]:
    value, lo, hi, cell = r.value, r.lo, r.hi, r.cell
    known, rating, rank = r.code_is("task", TASKS), r.code_is("task", RATING_TASKS), r.code_is("task", RANK_TASKS)
    targeted, empty_target = r.code_is("task", ("rating", "ranking")), r.code_is("target", ("",))
    bad_value = known & ~np.isfinite(value)
    return [
        (r.code_is("participant", ("",)), "participant", lambda i: "empty",
         "give every row the id of the participant who answered"),
        (r.code_is("group", ("",)), "group", lambda i: "empty", "give every row the participant's group id"),
        (~known, "task", lambda i: f"unknown task '{cell('task', i)}'", f"use one of {', '.join(TASKS)}"),
        (known & r.code_is("criterion", ("",)), "criterion", lambda i: "empty", "name the criterion the answer is about"),
        (targeted & empty_target, "target", lambda i: f"empty for task {cell('task', i)}",
         "name the rated or ranked item, base design or site"),
        (known & ~targeted & ~empty_target, "target", lambda i: f"'{cell('target', i)}' given for task {cell('task', i)}",
         "leave target empty for the importance tasks"),
        (bad_value, "value", lambda i: f"'{cell('value', i)}' is not a number" if cell("value", i) else "empty",
         "give a number: a rating on the row's scale, or a rank 1, 2, ..."),
        (rating & ~np.isfinite(lo), "scale_min",
         lambda i: f"'{cell('scale_min', i)}' is not a number for a rating" if cell("scale_min", i) else "empty for a rating",
         "give the lowest value of the rating scale, e.g. 1"),
        (rating & ~np.isfinite(hi), "scale_max",
         lambda i: f"'{cell('scale_max', i)}' is not a number for a rating" if cell("scale_max", i) else "empty for a rating",
         "give the highest value of the rating scale, e.g. 5"),
        (rating & (lo >= hi), "scale_max", lambda i: f"scale_max {_num(hi[i])} is not above scale_min {_num(lo[i])}",
         "give the scale's lowest value in scale_min and its highest in scale_max"),
        (rating & ~bad_value & ((value < lo) | (value > hi)), "value",
         lambda i: f"value {_num(value[i])} is outside the stated scale {_num(lo[i])} to {_num(hi[i])}",
         "correct the value, or the row's scale_min and scale_max"),
        (rank & ~(r.blank["scale_min"] & r.blank["scale_max"]), "scale_min",
         lambda i: f"a scale ({cell('scale_min', i) or '-'} to {cell('scale_max', i) or '-'}) is given for a rank",
         "leave scale_min and scale_max empty for ranks"),
        (rank & ~bad_value & ((value < 1) | (value != np.floor(value))), "value",
         lambda i: f"rank {_num(value[i])} is not a whole number from 1", "rank from 1 (most important or best) upwards"),
    ]


def _cross_row_problems(r: _Rows) -> list[Problem]:
    (p, _), (g, groups), (t, tasks), (tg, _), (c, _) = (r.codes[k] for k in IDS)
    value, lo, hi, cell = r.value, r.lo, r.hi, r.cell
    row = np.arange(len(p))
    first_row = _first_of(p)
    first_answer = _first_of(p, t, tg, c)
    rank, rating, ranking = r.code_is("task", RANK_TASKS), r.code_is("task", RATING_TASKS), r.code_is("task", ("ranking",))
    unit = _first_of(p, t, np.where(ranking, c, -1))                  # one ranking = one unit
    first_rank = _first_of(unit, np.where(rank, value, -1).astype(np.int64))
    size = np.bincount(unit, weights=rank.astype(float), minlength=len(p))[unit]
    first_scale = _first_of(t, c)

    def whose(i: int) -> str:
        if ranking[i]:
            return f"the ranking of participant '{cell('participant', i)}' on {cell('criterion', i)}"
        return f"the importance ranking of participant '{cell('participant', i)}'"

    return [
        (g != g[first_row], "group",
         lambda i: f"participant '{cell('participant', i)}' is in group '{excerpt(groups[g[i]])[1:-1]}' here but in "
                   f"'{excerpt(groups[g[first_row[i]]])[1:-1]}' on row {first_row[i] + 1}", "give each participant one group"),
        (row != first_answer, "value",
         lambda i: f"a second answer of participant '{cell('participant', i)}' to the same task, target and "
                   f"criterion (first on row {first_answer[i] + 1})", "keep one answer per participant and question"),
        (rank & (row != first_rank), "value",
         lambda i: f"rank {_num(value[i])} is repeated in {whose(i)} (also on row {first_rank[i] + 1})",
         "give each ranked option its own rank (ties are not supported)"),
        (rank & (value > size), "value", lambda i: f"rank {_num(value[i])}, but {whose(i)} has only {int(size[i])} options",
         "number the ranks 1, 2, ... without gaps"),
        (rating & ((lo != lo[first_scale]) | (hi != hi[first_scale])), "scale_max",
         lambda i: f"scale {_num(lo[i])} to {_num(hi[i])} differs from {_num(lo[first_scale[i]])} to "
                   f"{_num(hi[first_scale[i]])} on row {first_scale[i] + 1} for the same task and criterion",
         "use one scale per task and criterion"),
    ]


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


COUNT_LIMITS = {"group": MAX_GROUPS, "target": MAX_ITEMS, "criterion": MAX_CRITERIA}


def _check_counts(survey: Survey, r: _Rows) -> None:
    """One line when a survey names more groups, targets or criteria than a scenario may hold."""
    for column, limit in COUNT_LIMITS.items():
        names = [n for n in r.codes[column][1] if n]
        if len(names) > limit:
            raise SurveyError(survey.source, f"column {column}", f"{len(names):,} distinct values, above the "
                              f"limit of {limit:,}", "split the survey or merge values (see docs/limits.md)")


def typed_responses(survey: Survey, text: pa.Table) -> pd.DataFrame:
    """Check every row of the survey's text columns; return them typed (`value`, scales float; `row` 1-based)."""
    rows = _Rows(text)
    _raise_first(survey, _row_problems(rows))
    _check_counts(survey, rows)
    _raise_first(survey, _cross_row_problems(rows))
    out = text.select(list(IDS)).to_pandas()
    out["value"], out["scale_min"], out["scale_max"] = rows.value, rows.lo, rows.hi
    out["row"] = np.arange(1, len(out) + 1)
    return out
