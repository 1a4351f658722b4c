"""Per-context memo tables for pure agent computations (shared by every run on one context).

Sweeps and benchmarks run many seeds on one NegotiationContext; drafts repeat across
seeds, so results that depend only on (context, draft, ...) are computed once.
"""

from __future__ import annotations

import weakref

MAX_ENTRIES = 50_000           # a table is cleared when it grows past this many entries

_MEMOS: "weakref.WeakKeyDictionary[object, dict[str, dict]]" = weakref.WeakKeyDictionary()


def memo(ctx: object, name: str) -> dict:
    """The memo table `name` of this context (bounded: cleared past MAX_ENTRIES)."""
    tables = _MEMOS.get(ctx)
    if tables is None:
        tables = _MEMOS[ctx] = {}
    table = tables.setdefault(name, {})
    if len(table) > MAX_ENTRIES:
        table.clear()
    return table
