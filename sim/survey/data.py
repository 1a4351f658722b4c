"""Reading survey files safely: CSV (with an optional `#` comment header) or parquet, size-limited.

Nothing in a survey file is ever executed. Every row is checked (sim.survey.checks) before
anything is computed from it.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from sim.survey.checks import typed_responses
from sim.survey.format import COLUMNS, MAX_SURVEY_BYTES, MAX_SURVEY_ROWS, Survey, SurveyError

def _read_csv(raw: bytes, source: str) -> tuple[pd.DataFrame, int]:
    text = raw.decode("utf-8-sig", errors="replace")
    lines = text.splitlines(keepends=True)
    skip = 0
    while skip < len(lines) and (lines[skip].lstrip().startswith("#") or not lines[skip].strip()):
        skip += 1
    if skip == len(lines):
        raise SurveyError(source, "(file)", "the file holds no header and no responses",
                          f"start with the header line {','.join(COLUMNS)} and one response per row")
    try:
        frame = pd.read_csv(io.StringIO("".join(lines[skip:])), dtype=str, keep_default_na=False,
                            skip_blank_lines=True, nrows=MAX_SURVEY_ROWS + 1)
    except (pd.errors.ParserError, ValueError) as err:
        problem = " ".join(str(err).split())[:200]
        raise SurveyError(source, "(file)", f"not a readable CSV ({problem})",
                          "use comma-separated columns with one response per row") from None
    return frame, skip + 2                  # data row 1 sits on the line after the header


def _read_parquet(raw: bytes, source: str) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(io.BytesIO(raw))
    except Exception as err:                # pyarrow raises several unrelated types for bad files
        problem = " ".join(str(err).split())[:200]
        raise SurveyError(source, "(file)", f"not a readable parquet file ({problem})",
                          "write the survey with pandas.DataFrame.to_parquet or save it as CSV") from None
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        values = frame[col].astype(object)
        out[str(col)] = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]
    return out.reset_index(drop=True)


def loads_survey(raw: bytes, source: str = "<survey>", kind: str = "csv") -> Survey:
    """Parse and validate survey bytes (`kind` csv or parquet), or raise SurveyError."""
    if len(raw) > MAX_SURVEY_BYTES:
        raise SurveyError(source, "(file)", f"file is larger than {MAX_SURVEY_BYTES:,} bytes",
                          "split the survey into several files or drop unused columns")
    if not raw.strip():
        raise SurveyError(source, "(file)", "the file is empty",
                          f"start with the header line {','.join(COLUMNS)} and one response per row")
    if kind == "parquet":
        frame, offset = _read_parquet(raw, source), None
    else:
        frame, offset = _read_csv(raw, source)
    return validate(frame, source, offset)


def load_survey(path: str | Path) -> Survey:
    """Read and validate a survey file (.csv or .parquet)."""
    path = Path(path)
    if not path.is_file():
        raise SurveyError(str(path), "(file)", "no such file", "check the path")
    if path.stat().st_size > MAX_SURVEY_BYTES:
        raise SurveyError(str(path), "(file)", f"file is larger than {MAX_SURVEY_BYTES:,} bytes",
                          "split the survey into several files or drop unused columns")
    kind = "parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv"
    return loads_survey(path.read_bytes(), str(path), kind)


def validate(frame: pd.DataFrame, source: str, line_offset: int | None) -> Survey:
    """Check columns and every row; return a Survey with typed values or raise the first problem."""
    frame = frame.rename(columns=lambda c: str(c).strip())
    for col in COLUMNS:
        if col not in frame.columns:
            raise SurveyError(source, f"header, column {col}", "missing",
                              f"add a column named {col} (the header must hold {', '.join(COLUMNS)})")
    if len(frame) == 0:
        raise SurveyError(source, "(file)", "the file has a header but no responses",
                          "add one row per response below the header")
    if len(frame) > MAX_SURVEY_ROWS:
        raise SurveyError(source, "(file)", f"more than {MAX_SURVEY_ROWS:,} responses",
                          "split the survey into several files")
    text = pd.DataFrame({c: frame[c].astype(str).str.strip() for c in COLUMNS})
    survey = Survey(source, text, line_offset, tuple(c for c in frame.columns if c not in COLUMNS))
    return Survey(source, typed_responses(survey), line_offset, survey.extra_columns)
