"""Reading survey files safely: CSV (with an optional `#` comment header) or parquet, size-limited.

Files are read with pyarrow into string columns; nothing in them is ever executed. Every row
is checked (sim.survey.checks) before anything is computed from it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.core.files import read_bounded
from sim.survey.checks import typed_responses
from sim.survey.format import COLUMNS, MAX_SURVEY_BYTES, MAX_SURVEY_ROWS, Survey, SurveyError

START_FIX = f"start with the header line {','.join(COLUMNS)} and one response per row"


def _comment_lines(raw: bytes) -> int:
    """Number of leading lines that are comments (`#`) or blank."""
    count, start = 0, 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    while start < len(raw):
        end = raw.find(b"\n", start)
        end = len(raw) if end < 0 else end
        line = raw[start:end].strip()
        if line and not line.startswith(b"#"):
            break
        count, start = count + 1, end + 1
    return count


def _data_lines(raw: bytes, skip: int) -> tuple[int, ...] | None:
    """File lines of the data rows when blank lines sit among them (None: rows are consecutive lines)."""
    stripped = raw.rstrip()
    if b"\n\n" not in stripped and b"\n\r\n" not in stripped and b"\n \n" not in stripped:
        return None                                     # the common case, without splitting the file
    body = raw.split(b"\n")[skip + 1:]                  # the lines after the header
    while body and not body[-1].strip():
        body.pop()
    if all(line.strip() for line in body):
        return None
    return tuple(skip + 2 + i for i, line in enumerate(body) if line.strip())


def _read_csv(raw: bytes, source: str) -> tuple[pa.Table, int]:
    import pyarrow.csv as pcsv

    skip = _comment_lines(raw)
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        table = pcsv.read_csv(io.BytesIO(body), read_options=pcsv.ReadOptions(skip_rows=skip, use_threads=False),
                              convert_options=pcsv.ConvertOptions(
                                  column_types={c: pa.string() for c in COLUMNS}, strings_can_be_null=False,
                                  quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError) as err:
        problem = " ".join(str(err).split())[:200]
        if "Empty CSV file" in problem:
            raise SurveyError(source, "(file)", "the file holds no header and no responses", START_FIX) from None
        row = re.search(r"Row #(\d+): (.*)", problem)
        if row:                             # pyarrow counts file lines from 1
            raise SurveyError(source, f"line {row.group(1)}", row.group(2).rstrip(". "),
                              "give every line the header's columns, comma-separated (quote text holding commas)") from None
        raise SurveyError(source, "(file)", f"not a readable CSV ({problem})",
                          "use comma-separated UTF-8 text with the same number of columns on every line") from None
    return table, skip + 2                  # data row 1 sits on the line after the header


def _read_parquet(raw: bytes, source: str) -> pa.Table:
    import pyarrow.parquet as pq

    try:
        return pq.read_table(io.BytesIO(raw))
    except Exception as err:                # pyarrow raises several unrelated types for bad files
        problem = " ".join(str(err).split())[:200]
        raise SurveyError(source, "(file)", f"not a readable parquet file ({problem})",
                          "write the survey with pandas.DataFrame.to_parquet or save it as CSV") from None


def _as_text(table: pa.Table) -> pa.Table:
    """The format's columns as trimmed strings ('' for missing); other columns are left out."""
    columns = {}
    for name in COLUMNS:
        col = table.column(name)
        if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
            col = pc.cast(col, pa.string())
        columns[name] = pc.utf8_trim_whitespace(pc.fill_null(col, "")).combine_chunks()
    return pa.table(columns)


def validate(table: pa.Table, source: str, line_offset: int | None, lines: tuple[int, ...] | None = None) -> Survey:
    """Check columns and every row; return a Survey with typed values or raise the first problem."""
    names = [str(n).strip() for n in table.column_names]
    table = table.rename_columns(names)
    for col in COLUMNS:
        if col not in names:
            raise SurveyError(source, f"header, column {col}", "missing",
                              f"add a column named {col} (the header must hold {', '.join(COLUMNS)})")
    if table.num_rows == 0:
        raise SurveyError(source, "(file)", "the file has a header but no responses",
                          "add one row per response below the header")
    if table.num_rows > MAX_SURVEY_ROWS:
        raise SurveyError(source, "(file)", f"more than {MAX_SURVEY_ROWS:,} responses", "split the survey into several files")
    extra = tuple(n for n in names if n not in COLUMNS)
    shell = Survey(source, pd.DataFrame(), line_offset, extra, lines)
    return Survey(source, typed_responses(shell, _as_text(table)), line_offset, extra, lines)


def survey_from_frame(frame: pd.DataFrame, source: str = "<survey>") -> Survey:
    """Validate an in-memory table with the survey's columns (e.g. from the synthetic generator)."""
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    return validate(pa.Table.from_pandas(text, preserve_index=False), source, None)


def loads_survey(raw: bytes, source: str = "<survey>", kind: str = "csv") -> Survey:
    """Parse and validate survey bytes (`kind` csv or parquet), or raise SurveyError."""
    if len(raw) > MAX_SURVEY_BYTES:
        raise SurveyError(source, "(file)", f"file is larger than {MAX_SURVEY_BYTES:,} bytes",
                          "split the survey into several files or drop unused columns")
    if not raw.strip():
        raise SurveyError(source, "(file)", "the file is empty", START_FIX)
    if kind == "parquet":
        return validate(_read_parquet(raw, source), source, None)
    table, offset = _read_csv(raw, source)
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    return validate(table, source, offset, _data_lines(body, offset - 2))


def load_survey(path: str | Path) -> Survey:
    """Read and validate a survey file (.csv or .parquet)."""
    raw = read_bounded(path, MAX_SURVEY_BYTES, SurveyError, too_big=(
        f"file is larger than {MAX_SURVEY_BYTES:,} bytes", "split the survey into several files or drop unused columns"))
    kind = "parquet" if Path(path).suffix.lower() in (".parquet", ".pq") else "csv"
    return loads_survey(raw, str(path), kind)
