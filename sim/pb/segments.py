"""Voter segments for Pabulib imports: clean the messy voter fields and group voters by one.

Pure Python (no pabutools): it sees one metadata dict per voter. Every cleaning step is
counted and reported as a note, never applied silently: "None" values count as missing,
Polish sex codes K (kobieta) / M map to F / M, ages outside a plausible range are dropped
(counted) and treated as missing. Voters whose field is missing form an `*_unknown`
segment, so no voter disappears from the vote totals.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from sim.core.errors import NegsimError

GROUP_BY = ("sex", "age", "district", "neighborhood", "none")
DEFAULT_AGE_BINS = (18, 35, 50, 65)
DEFAULT_AGE_RANGE = (1, 100)
SEX_CODES = {"F": "F", "K": "F", "M": "M"}          # K = kobieta (woman) in Polish files
SEX_LABELS = {"F": "women", "M": "men"}
MISSING = {"", "none", "null", "nan", "na"}


class SegmentError(NegsimError, ValueError):
    """A voter field that cannot be grouped by (one line: field, problem, fix)."""


@dataclass(frozen=True)
class Grouping:
    """How to segment voters: the field, age bins and plausible ages, and the fallback."""

    field: str = "none"
    age_bins: tuple[int, ...] = DEFAULT_AGE_BINS
    age_range: tuple[int, int] = DEFAULT_AGE_RANGE
    fallback_none: bool = False
    drop_unknown: bool = False         # True: leave voters without a usable value out


@dataclass(frozen=True)
class Segments:
    """Segment id of every voter, the segments' labels (in order) and the cleaning notes."""

    field: str
    voter_segment: tuple[str | None, ...]   # None: voter left out (drop_unknown)
    labels: dict[str, str]
    notes: tuple[str, ...]

    def sizes(self) -> dict[str, int]:
        """Voters per segment, in label order; empty segments left out."""
        counts = Counter(self.voter_segment)
        return {sid: counts[sid] for sid in self.labels if counts[sid]}

    def dropped(self) -> int:
        """Number of voters left out (no usable value, with drop_unknown)."""
        return sum(1 for s in self.voter_segment if s is None)


def slug(text: str) -> str:
    """ASCII id fragment of a label ('Osiedle Mikołaja Kopernika' -> 'osiedle_mikolaja_kopernika')."""
    text = text.replace("ł", "l").replace("Ł", "L")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_") or "x"


def parse_int_list(text: str, what: str) -> tuple[int, ...]:
    """'18,35,50,65' -> (18, 35, 50, 65), strictly increasing, or SegmentError."""
    try:
        values = tuple(int(p) for p in text.split(",") if p.strip())
    except ValueError:
        raise SegmentError(f"{what}: '{text}' is not a comma-separated list of whole numbers; "
                           f"fix: e.g. 18,35,50,65") from None
    if not values or any(b <= a for a, b in zip(values, values[1:])):
        raise SegmentError(f"{what}: '{text}' must be strictly increasing whole numbers; "
                           f"fix: e.g. 18,35,50,65")
    return values


def _missing(value: str | None) -> bool:
    return value is None or value.strip().lower() in MISSING


def _age_bins(bins: tuple[int, ...]) -> dict[str, str]:
    labels = {f"age_lt{bins[0]}": f"age under {bins[0]}"}
    for lo, hi in zip(bins, bins[1:]):
        labels[f"age_{lo}_{hi - 1}"] = f"age {lo}-{hi - 1}"
    labels[f"age_{bins[-1]}plus"] = f"age {bins[-1]}+"
    return labels


def _age_segment(age: int, bins: tuple[int, ...]) -> str:
    ids = list(_age_bins(bins))
    return ids[sum(age >= b for b in bins)]


def _clean_sex(values: list[str | None]) -> tuple[list[str | None], list[str]]:
    out, notes, odd = [], [], Counter()
    k_count = sum(1 for v in values if not _missing(v) and v.strip().upper() == "K")
    for v in values:
        code = None if _missing(v) else SEX_CODES.get(v.strip().upper())
        if code is None and not _missing(v):
            odd[v] += 1
        out.append(code)
    if k_count:
        notes.append(f"sex: {k_count} 'K' (kobieta) mapped to 'F'")
    if odd:
        notes.append(f"sex: {sum(odd.values())} unrecognised values treated as missing: "
                     + ", ".join(f"'{v}' x{n}" for v, n in odd.most_common(5)))
    return out, notes


def _clean_age(values: list[str | None], age_range: tuple[int, int]) -> tuple[list[int | None], list[str]]:
    lo, hi = age_range
    out: list[int | None] = []
    bad, odd = Counter(), Counter()
    for v in values:
        if _missing(v):
            out.append(None)
            continue
        try:
            age = int(float(v))
        except ValueError:
            odd[v] += 1
            out.append(None)
            continue
        if not lo <= age <= hi:
            bad[age] += 1
            out.append(None)
        else:
            out.append(age)
    notes = []
    if bad:
        listed = ", ".join(f"{a} x{n}" if n > 1 else str(a) for a, n in sorted(bad.items()))
        notes.append(f"age: {sum(bad.values())} implausible ages (outside {lo}-{hi}) dropped "
                     f"and treated as missing: {listed}")
    if odd:
        notes.append(f"age: {sum(odd.values())} non-numeric ages treated as missing")
    return out, notes


def _labels_for(field: str, cleaned: list, grouping: Grouping) -> tuple[list[str | None], dict[str, str]]:
    if field == "sex":
        return ([None if v is None else f"sex_{v.lower()}" for v in cleaned],
                {f"sex_{c.lower()}": SEX_LABELS[c] for c in ("F", "M")})
    if field == "age":
        return ([None if v is None else _age_segment(v, grouping.age_bins) for v in cleaned],
                _age_bins(grouping.age_bins))
    names = sorted({v for v in cleaned if v is not None})
    labels = {}
    for name in names:
        sid = f"{field}_{slug(name)}"
        while sid in labels and labels[sid] != name:
            sid += "_"
        labels[sid] = name
    by_name = {name: sid for sid, name in labels.items()}
    return [None if v is None else by_name[v] for v in cleaned], labels


def _everyone(n: int, notes: list[str]) -> Segments:
    return Segments("none", ("all",) * n, {"all": "all voters"}, tuple(notes))


def _field_problem(field: str, header: tuple[str, ...], raw: list, missing: int) -> str | None:
    if field not in header:
        fields = [h for h in header if h not in ("voter_id", "vote", "points")]
        return f"no voter field '{field}' in this file (voter fields: {', '.join(fields) or 'none'})"
    if missing == len(raw):
        return f"voter field '{field}' is missing ('None' or empty) for all {len(raw)} voters"
    return None


def _clean_field(field: str, raw: list[str | None], grouping: Grouping) -> tuple[list, list[str]]:
    if field == "sex":
        return _clean_sex(raw)
    if field == "age":
        return _clean_age(raw, grouping.age_range)
    return [None if _missing(v) else v.strip() for v in raw], []


def segment_voters(voters: list[dict[str, str]], header: tuple[str, ...], grouping: Grouping,
                   source: str = "<file>") -> Segments:
    """Group voters by one field of their metadata, cleaning and reporting messy values."""
    field = grouping.field
    if field == "none":
        return _everyone(len(voters), [])
    raw = [v.get(field) for v in voters]
    missing = sum(1 for v in raw if _missing(v))
    problem = _field_problem(field, header, raw, missing)
    if problem:
        if not grouping.fallback_none:
            raise SegmentError(f"{source}: --group-by {field}: {problem}; fix: use another "
                               f"--group-by, or add --fallback-none to group all voters together")
        return _everyone(len(voters), [f"{field}: {problem}; grouped all voters together "
                                       f"(--fallback-none)"])
    cleaned, notes = _clean_field(field, raw, grouping)
    ids, labels = _labels_for(field, cleaned, grouping)
    if missing:
        notes.insert(0, f"{field}: {missing} missing values ('None' or empty)")
    unknown = sum(1 for s in ids if s is None)
    if grouping.drop_unknown:
        if unknown:
            notes.append(f"{field}: {unknown} voters without a usable value left out of the groups "
                         f"(--drop-unknown; the PB rules still count their ballots)")
        return Segments(field, tuple(ids), labels, tuple(notes))
    if unknown:
        notes.append(f"{field}: {unknown} voters without a usable value -> group {field}_unknown")
    labels = {**labels, f"{field}_unknown": f"{field} unknown"}
    return Segments(field, tuple(s or f"{field}_unknown" for s in ids), labels, tuple(notes))
