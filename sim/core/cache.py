"""The engine's one cache helper: two eviction policies, named and bounded.

- Per owner (`owned`, `memo`): values derived from one object (a context, a rubric) live as
  long as that object does (a weak reference) and are freed with it. `memo` tables are
  bounded: a table is cleared when it grows past `max_entries`.
- By content (`LRU`): values keyed by a content hash (a rubric's fingerprint, a scenario
  variant) survive their owner and are evicted least recently used first.

Sweeps and benchmarks run many seeds on one context; drafts repeat across seeds, so
results that depend only on (context, draft, ...) are computed once.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

__all__ = ["LRU", "MAX_ENTRIES", "memo", "owned", "store"]

MAX_ENTRIES = 50_000           # default bound of a memo table

T = TypeVar("T")
_OWNED: "weakref.WeakKeyDictionary[object, dict[str, Any]]" = weakref.WeakKeyDictionary()


def _slots(owner: object) -> dict[str, Any]:
    slots = _OWNED.get(owner)
    if slots is None:
        slots = _OWNED[owner] = {}
    return slots


def owned(owner: object, name: str, build: Callable[[], T]) -> T:
    """The value `name` derived from `owner`, built once and freed with the owner."""
    slots = _slots(owner)
    if name not in slots:
        slots[name] = build()
    return slots[name]


def store(owner: object, name: str, value: Any) -> None:
    """Set the value `name` of `owner` (e.g. share a table computed for an equivalent owner)."""
    _slots(owner)[name] = value


def memo(owner: object, name: str, max_entries: int = MAX_ENTRIES) -> dict:
    """The memo table `name` of `owner` (bounded: cleared when past `max_entries`)."""
    table = owned(owner, "memo:" + name, dict)
    if len(table) > max_entries:
        table.clear()
    return table


class LRU(Generic[T]):
    """A thread-safe mapping by content key that keeps the `size` most recently used values."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value for `key`, built (and the oldest evicted) on a miss."""
        with self._lock:
            value = self._data.get(key)
            if value is None:
                value = self._data[key] = build()
                while len(self._data) > self.size:
                    self._data.popitem(last=False)
            self._data.move_to_end(key)
            return value

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._data.clear()
