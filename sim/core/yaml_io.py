"""The one place YAML is read and written: libyaml's C loader and dumper when PyYAML has them.

Both are the safe ones (no tags executed); the pure-Python classes are the fallback and give the
same data and the same text. `checked_fast_load` is the C-speed path for untrusted files: a scan of
libyaml's events enforces the hardening limits (depth, tags, alias expansion) before libyaml's
composer (recursive in C, so a deep file would crash it) ever sees the text.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

import yaml

from sim.core.limits import MAX_YAML_DEPTH, MAX_YAML_NODES

__all__ = ["DUMPER", "LOADER", "SAFE_TAGS", "checked_fast_load", "yaml_dump", "yaml_load"]

LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
SAFE_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in
                      ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge"))
# Where libyaml and PyYAML's own scanner read the same text differently (found by property tests):
# tabs, a comment straight after a block scalar's header, a byte-order mark after the start, the
# Unicode line breaks NEL/LS/PS; also a plain "?" inside [...] and the tag `!` (checked on events).
_PURE_ONLY = re.compile("\t|[|>][-+0-9]*#|[\x85\u2028\u2029]|(?s:.)\ufeff")


def yaml_load(text: str | bytes) -> Any:
    """Parse YAML text safely (like yaml.safe_load), with the C loader where available."""
    return yaml.load(text, Loader=LOADER)  # noqa: S506 - LOADER is a safe loader


def yaml_dump(data: Any, **options: Any) -> str:
    """Serialise data to YAML text (like yaml.safe_dump), with the C dumper where available."""
    return yaml.dump(data, Dumper=DUMPER, **options)


def checked_fast_load(text: str | bytes) -> tuple[bool, Any]:
    """(True, data) when libyaml could parse `text` within the limits, else (False, None).

    False means "let the bounded pure-Python loader decide": it is returned for anything unusual
    (no libyaml, undecodable bytes, control characters, text the two scanners read apart, a syntax
    error, a tag, too deep, too many values once aliases are expanded, an undefined or duplicate
    anchor, more than one document, a value the constructor refuses), so every error message and
    refusal stays the pure loader's own. When True, the data equals the pure loader's.
    """
    if not hasattr(yaml, "CSafeLoader"):
        return False, None
    decoded = _decode(text)
    if decoded is None or yaml.reader.Reader.NON_PRINTABLE.search(decoded) or _PURE_ONLY.search(decoded):
        return False, None
    try:
        if not _within_limits(decoded):
            return False, None
        return True, yaml.load(decoded, Loader=yaml.CSafeLoader)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError):
        return False, None


def _decode(text: str | bytes) -> str | None:
    """Bytes decoded as PyYAML's reader does (UTF-16 by its byte-order mark, else UTF-8)."""
    if isinstance(text, str):
        return text
    codec = ("utf-16-le" if text.startswith(codecs.BOM_UTF16_LE)
             else "utf-16-be" if text.startswith(codecs.BOM_UTF16_BE) else "utf-8")
    try:
        return text.decode(codec)
    except UnicodeDecodeError:
        return None


def _tag_ok(event: Any) -> bool:
    """An explicit tag must be a safe one; `!` too is left to the pure loader (the two read it apart).

    Untagged values resolve to safe tags or to ones SafeConstructor cannot build (`=`), which
    makes the C load fail and hand the file over.
    """
    return event.tag is None or event.tag in SAFE_TAGS


def _within_limits(text: str) -> bool:
    """One pass over libyaml's events: one document, depth, tags and alias-expanded sizes in bounds."""
    scan = _Scan()
    return all(scan.step(event) for event in yaml.parse(text, Loader=yaml.CSafeLoader))


class _Scan:
    """The running state of `_within_limits`; `step` is False at the first event past a limit.

    Sizes count values as the composed tree does: a collection is 1 plus its keys and values, an
    alias the full size of its anchored value (known once that value has ended).
    """

    def __init__(self) -> None:
        self.sizes: list[int] = []                       # size so far of each open collection
        self.opened: list[tuple[str | None, bool]] = []  # (anchor, flow style) of each
        self.anchored: dict[str, int] = {}
        self.flow = 0                                    # open flow collections

    def step(self, event: Any) -> bool:
        kind = type(event)
        if kind is yaml.ScalarEvent or kind is yaml.AliasEvent:
            if len(self.sizes) >= MAX_YAML_DEPTH:
                return False
            if kind is yaml.AliasEvent:
                return event.anchor in self.anchored and self.add(self.anchored[event.anchor])
            # PyYAML's scanner ends a plain scalar at "?" inside [...] / {...}; libyaml does not
            if not _tag_ok(event) or (self.flow and not event.style and "?" in event.value):
                return False
            return self.add(1, event.anchor)
        if kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
            if len(self.sizes) >= MAX_YAML_DEPTH or not _tag_ok(event):
                return False
            self.sizes.append(1)
            self.opened.append((event.anchor, bool(event.flow_style)))
            self.flow += bool(event.flow_style)
            return True
        if kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
            anchor, flow = self.opened.pop()
            self.flow -= flow
            return self.add(self.sizes.pop(), anchor)
        return True

    def add(self, size: int, anchor: str | None = None) -> bool:
        """Record a finished value of `size` in its parent and under its anchor; False past the limit."""
        if size > MAX_YAML_NODES:
            return False
        if anchor is not None:
            self.anchored[anchor] = size
        if self.sizes:
            self.sizes[-1] += size
        return True
