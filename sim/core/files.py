"""Reading untrusted user files: the existence and size checks and the safe YAML load, in one place."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from sim.core.limits import MAX_YAML_DEPTH, MAX_YAML_NODES
from sim.core.yaml_io import SAFE_TAGS, checked_fast_load

__all__ = ["BoundedLoader", "read_bounded", "safe_load_yaml", "strict_json"]

UserError = Callable[[str, str, str, str], Exception]     # (source, field, problem, fix), e.g. ScenarioError


def read_bounded(path: str | Path, max_bytes: int, error: UserError, *, too_big: tuple[str, str],
                 missing_fix: str = "check the path", source: str | None = None) -> bytes:
    """The bytes of `path`, or `error(...)` raised when it is missing or larger than `max_bytes`.

    `too_big` is the (problem, fix) pair of the loader's own one-line message; `source` names the
    file in messages (default: the normalised path).
    """
    path = Path(path)
    source = str(path) if source is None else source
    if not path.is_file():
        raise error(source, "(file)", "no such file", missing_fix)
    if path.stat().st_size > max_bytes:
        raise error(source, "(file)", *too_big)
    return path.read_bytes()


class _Refused(Exception):
    """A YAML document refused before construction: (line, problem, fix)."""


class BoundedLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses nesting deeper than MAX_YAML_DEPTH while composing."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                line = self.peek_event().start_mark.line + 1
                raise _Refused(f"line {line}", f"nesting deeper than {MAX_YAML_DEPTH} levels",
                               "flatten the file (a scenario needs about 5 levels)")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _too_many(node: yaml.Node) -> _Refused:
    return _Refused(f"line {node.start_mark.line + 1}", f"more than {MAX_YAML_NODES:,} values once aliases are expanded",
                    "remove the anchors (&) and aliases (*) or shrink the file")


def _check_tree(root: yaml.Node) -> None:
    """Refuse unsafe tags and alias expansion past MAX_YAML_NODES; iterative, each node visited once.

    An alias inside its own anchored value expands without end, so it is refused too.
    """
    size: dict[int, int] = {}
    open_nodes: set[int] = set()        # the ancestors of the node being visited
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in size:
            continue
        if not children_done and id(node) in open_nodes:
            raise _too_many(node)
        if node.tag not in SAFE_TAGS:
            raise _Refused(f"line {node.start_mark.line + 1}", f"tag '{node.tag[:40]}' is not allowed",
                           "remove the tag; scenario files hold plain text, numbers, lists and mappings")
        kids = ([n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode)
                else node.value if isinstance(node, yaml.SequenceNode) else [])
        if children_done or not kids:
            size[id(node)] = 1 + sum(size[id(k)] for k in kids)
            open_nodes.discard(id(node))
            if size[id(node)] > MAX_YAML_NODES:
                raise _too_many(node)
            continue
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in size)


def safe_load_yaml(text: str | bytes, source: str, error: UserError, *, fast: bool = True) -> Any:
    """Parse one YAML document from an untrusted file, or raise `error(source, where, problem, fix)`.

    Refuses nesting deeper than MAX_YAML_DEPTH, tags other than plain scalars/lists/mappings, and
    alias bombs (expansion past MAX_YAML_NODES); messages never quote more than a short excerpt.
    With `fast`, libyaml parses the file when its event scan finds it within those limits (same
    data); anything else, refusals and errors included, is decided by the bounded pure-Python loader.
    """
    if fast:
        parsed, data = checked_fast_load(text)
        if parsed:
            return data
    try:
        ldr = BoundedLoader(text)
    except yaml.YAMLError as err:                   # bad bytes: not UTF-8, control characters
        raise error(source, "(file)", f"not valid YAML text ({' '.join(str(err).split())[:120]})",
                    "save the file as UTF-8 text without control characters") from None
    try:
        node = ldr.get_single_node()
        if node is None:
            return None
        _check_tree(node)
        return ldr.construct_document(node)
    except _Refused as refused:
        raise error(source, *refused.args) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        problem = " ".join(str(getattr(err, "problem", None) or err).split())[:120]
        raise error(source, where, f"not valid YAML ({problem})", "fix the YAML syntax at that line") from None
    except (ValueError, TypeError, OverflowError) as err:
        raise error(source, "(file)", f"a tagged value cannot be read ({' '.join(str(err).split())[:80]})",
                    "remove the !!tag and write the value plainly") from None
    finally:
        ldr.dispose()


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def strict_json(text: str | bytes) -> Any:
    """json.loads that refuses NaN, Infinity and numbers that overflow to inf (1e999): strict JSON only.

    Raises ValueError (json.JSONDecodeError is one) with a short message.
    """
    return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
