"""The survey format: its columns and tasks, the validated Survey, and one-line SurveyError.

One response per row: `participant, group, task, target, criterion, value, scale_min,
scale_max`. Tasks: `importance_rating` and `rating` carry a value on the row's scale;
`importance_rank` and `ranking` carry a rank (1 = most important / best) and leave the scale
empty; the importance tasks leave `target` empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from sim.core.errors import NegsimError

COLUMNS = ("participant", "group", "task", "target", "criterion", "value", "scale_min", "scale_max")
RATING_TASKS = ("importance_rating", "rating")
RANK_TASKS = ("importance_rank", "ranking")
TASKS = ("importance_rating", "importance_rank", "rating", "ranking")
IMPORTANCE_TASKS = ("importance_rating", "importance_rank")
MAX_SURVEY_BYTES = 100_000_000
MAX_SURVEY_ROWS = 5_000_000
MAX_PROBLEM = 240


class SurveyError(NegsimError, ValueError):
    """A mistake in a survey file, reported as one line: file, row, column, problem, fix."""

    def __init__(self, source: str, where: str, problem: str, fix: str) -> None:
        problem = problem if len(problem) <= MAX_PROBLEM else problem[:MAX_PROBLEM] + "..."   # never a whole cell
        self.source, self.where, self.problem, self.fix = source, where, problem, fix
        super().__init__(f"{source}: {where}: {problem}; fix: {fix}")


@dataclass(frozen=True, eq=False)
class Survey:
    """A validated survey: typed responses (`value` float, scales float, `row` 1-based) and its source."""

    source: str
    frame: pd.DataFrame
    line_offset: int | None = None          # CSV: file line of data row 1; None for parquet
    extra_columns: tuple[str, ...] = field(default=())
    lines: tuple[int, ...] | None = None    # CSV with blank lines among the rows: each row's file line

    @cached_property
    def group_of(self) -> dict[str, str]:
        """Each participant's group."""
        first = self.frame.drop_duplicates("participant")
        return dict(zip(first["participant"], first["group"]))

    @cached_property
    def participants(self) -> list[str]:
        """Participant ids in order of first appearance."""
        return list(self.group_of)

    @cached_property
    def groups(self) -> list[str]:
        """Group ids in order of first appearance."""
        return [str(g) for g in pd.unique(self.frame["group"])]

    @property
    def tasks(self) -> list[str]:
        """Tasks present, in the format's order."""
        present = set(self.frame["task"])
        return [t for t in TASKS if t in present]

    def where(self, row: int) -> str:
        """How an error names a data row (1-based): with its file line for CSV."""
        if self.lines is not None:
            return f"row {row} (line {self.lines[row - 1]})"
        return f"row {row}" + (f" (line {row + self.line_offset - 1})" if self.line_offset else "")

    def error(self, row: int, column: str, problem: str, fix: str) -> SurveyError:
        """A one-line error about one cell."""
        return SurveyError(self.source, f"{self.where(row)}, column {column}", problem, fix)
