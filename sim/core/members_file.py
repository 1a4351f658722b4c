"""Large member lists beside the scenario: a compact CSV side file instead of YAML lines.

A run folder's scenario copy with tens of thousands of members would be several MB of YAML,
above what the loader accepts. `split_members` moves the members of every group to one CSV
(`group` column, then one column per criterion; an empty cell is a criterion the member left
out) and leaves `members_file: members.csv` in each group; `join_members` puts them back when
the scenario is loaded from a file, so the scenario round-trips exactly (floats by repr).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Callable

__all__ = ["MEMBERS_FILE", "MEMBERS_INLINE_MAX", "MAX_MEMBERS_BYTES", "join_members", "split_members"]

MEMBERS_FILE = "members.csv"
MEMBERS_INLINE_MAX = 2_000          # more members than this (all groups) go to the side file
MAX_MEMBERS_BYTES = 200_000_000     # the side file's size limit (about 2 million members)


def split_members(data: dict) -> tuple[dict, str | None]:
    """Scenario data with large member lists moved out, and the CSV text (None when kept inline)."""
    groups = data.get("groups") or []
    if sum(len(g.get("members") or []) for g in groups) <= MEMBERS_INLINE_MAX:
        return data, None
    criteria = [c["id"] for c in data["criteria"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["group", *criteria])
    kept = []
    for g in groups:
        if not g.get("members"):
            kept.append(g)
            continue
        for m in g["members"]:
            writer.writerow([g["id"], *(repr(float(m[c])) if c in m else "" for c in criteria)])
        kept.append({**{k: v for k, v in g.items() if k != "members"}, "members_file": MEMBERS_FILE})
    return {**data, "groups": kept}, out.getvalue()


def _read(path: Path, source: str, field: str, error: Callable[..., Exception]) -> dict[str, list[dict]]:
    if not path.is_file():
        raise error(source, field, f"the members file {path.name} is missing",
                    f"put {path.name} beside the scenario or list the members inline")
    if path.stat().st_size > MAX_MEMBERS_BYTES:
        raise error(source, field, f"{path.name} is larger than {MAX_MEMBERS_BYTES} bytes",
                    "use dispersion instead of explicit members")
    rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8")))
    header = next(rows, None)
    if not header or header[0] != "group":
        raise error(source, field, f"{path.name} does not start with a `group` column",
                    "write the header `group,<criterion>,...`")
    by_group: dict[str, list[dict]] = {}
    for line, row in enumerate(rows, start=2):
        if not row:                   # a blank line holds no member
            continue
        try:
            member = {c: float(v) for c, v in zip(header[1:], row[1:]) if v != ""}
        except ValueError:
            raise error(source, field, f"{path.name} line {line} holds a weight that is not a number",
                        "write one number per criterion column") from None
        by_group.setdefault(row[0], []).append(member)
    return by_group


def join_members(data: Any, base: Path, source: str, error: Callable[..., Exception]) -> Any:
    """Scenario data with every `members_file` replaced by the members it lists for that group."""
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        return data
    files: dict[str, dict[str, list[dict]]] = {}
    groups = []
    for j, g in enumerate(data["groups"]):
        if not isinstance(g, dict) or "members_file" not in g:
            groups.append(g)
            continue
        name, field = str(g["members_file"]), f"groups[{j}].members_file"
        if Path(name).name != name:
            raise error(source, field, f"{name!r} is not a file name beside the scenario",
                        "give a plain file name such as members.csv")
        if name not in files:
            files[name] = _read(base / name, source, field, error)
        rest = {k: v for k, v in g.items() if k != "members_file"}
        groups.append({**rest, "members": files[name].get(str(g.get("id")), [])})
    return {**data, "groups": groups}
