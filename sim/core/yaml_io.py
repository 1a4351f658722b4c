"""The one place YAML is read and written: libyaml's C loader and dumper when PyYAML has them.

Both are the safe ones (no tags executed); the pure-Python classes are the fallback and give the
same data and the same text. `checked_fast_load` is the C-speed path for untrusted files: a scan of
libyaml's events enforces the hardening limits (depth, tags, alias expansion) before libyaml's
composer (recursive in C, so a deep file would crash it) ever sees the text.
"""

from __future__ import annotations

import codecs
from typing import Any

import yaml

from sim.core.limits import MAX_YAML_DEPTH, MAX_YAML_NODES

__all__ = ["DUMPER", "LOADER", "SAFE_TAGS", "checked_fast_load", "yaml_dump", "yaml_load"]

LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
SAFE_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in
                      ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge"))

# Implicit (untagged plain scalar) resolutions to a tag outside SAFE_TAGS, e.g. `=` -> value.
_UNSAFE_IMPLICIT = {first: unsafe for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
                    if (unsafe := [regexp for tag, regexp in resolvers if tag not in SAFE_TAGS])}


def yaml_load(text: str | bytes) -> Any:
    """Parse YAML text safely (like yaml.safe_load), with the C loader where available."""
    return yaml.load(text, Loader=LOADER)  # noqa: S506 - LOADER is a safe loader


def yaml_dump(data: Any, **options: Any) -> str:
    """Serialise data to YAML text (like yaml.safe_dump), with the C dumper where available."""
    return yaml.dump(data, Dumper=DUMPER, **options)


def checked_fast_load(text: str | bytes) -> tuple[bool, Any]:
    """(True, data) when libyaml could parse `text` within the limits, else (False, None).

    False means "let the bounded pure-Python loader decide": it is returned for anything unusual
    (no libyaml, undecodable bytes, control characters, a syntax error, a tag, too deep, too many
    values once aliases are expanded, a value the constructor refuses), so every error message
    and refusal stays the pure loader's own. When True, the data equals the pure loader's.
    """
    if not hasattr(yaml, "CSafeLoader"):
        return False, None
    decoded = _decode(text)
    if decoded is None or yaml.reader.Reader.NON_PRINTABLE.search(decoded):
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


def _unsafe_implicit(value: str) -> bool:
    """Whether an untagged plain scalar would resolve to a tag outside SAFE_TAGS."""
    return any(r.match(value) for first in (value[:1], None) for r in _UNSAFE_IMPLICIT.get(first, ()))


def _tag_ok(event: Any) -> bool:
    tag = event.tag
    if tag is not None and tag != "!":
        return tag in SAFE_TAGS
    return not (type(event) is yaml.ScalarEvent and event.implicit[0] and _unsafe_implicit(event.value))


def _within_limits(text: str) -> bool:
    """One pass over libyaml's events: one document, depth, tags and alias-expanded sizes in bounds.

    Sizes count values as the composed tree does: a collection is 1 plus its keys and values, an
    alias the full size of its anchored value. Stops at the first value past a limit.
    """
    open_sizes: list[int] = []          # size so far of each open collection
    open_anchors: list[str | None] = []
    anchored: dict[str, int] = {}
    documents = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        kind = type(event)
        if kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                return False
            continue
        if kind not in _NODE_EVENTS:
            if kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                size, anchor = open_sizes.pop(), open_anchors.pop()
                if not _add(size, anchor, open_sizes, anchored):
                    return False
            continue
        if len(open_sizes) + 1 > MAX_YAML_DEPTH:
            return False
        if kind is yaml.AliasEvent:
            if event.anchor not in anchored or not _add(anchored[event.anchor], None, open_sizes, anchored):
                return False
            continue
        if not _tag_ok(event):
            return False
        if kind is yaml.ScalarEvent:
            if event.anchor is not None:
                anchored[event.anchor] = 1
            if open_sizes:
                open_sizes[-1] += 1     # the parent's total is checked when it ends
        else:
            open_sizes.append(1)
            open_anchors.append(event.anchor)
    return True


def _add(size: int, anchor: str | None, open_sizes: list[int], anchored: dict[str, int]) -> bool:
    """Record a finished value of `size` in its parent (and under its anchor); False past the limit."""
    if size > MAX_YAML_NODES:
        return False
    if anchor is not None:
        anchored[anchor] = size
    if open_sizes:
        open_sizes[-1] += size
        return open_sizes[-1] <= MAX_YAML_NODES
    return True


_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)
