"""Hypothesis strategies that break user files the way an operator (or an attacker) would.

`mutated_data` changes one place of parsed YAML/JSON data (delete a key, wrong type, NaN/inf/huge
numbers, unicode or very long text, duplicated or huge lists, deep nesting); `mutated_text` edits
the file text itself (YAML tags, alias bombs, truncation, a flipped byte). The fuzzer in
tests/cli/test_fuzz.py feeds them to the CLI and checks every answer is exit 0 or one line, exit 2.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

__all__ = ["BAD_VALUES", "mutated_data", "mutated_text"]

BAD_VALUES: list[Any] = [
    None, True, "", "abc", "ü∑ß🙂", "x" * 5000, 0, -1, -1e9, 1e300, -1e300, 2 ** 63, 1e-300,
    float("nan"), float("inf"), float("-inf"), [], {}, [1, 2], {"a": 1}, "mediator", "nope",
]


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (tuple of keys/indices) into nested dicts and lists, the root excluded."""
    out = []
    if isinstance(data, dict):
        items = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        return out
    for key, value in items:
        out.append((*prefix, key))
        out.extend(_paths(value, (*prefix, key)))
    return out


def _get(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def mutated_data(draw: Any, data: Any) -> Any:
    """A deep copy of `data` with one place (or a few) broken."""
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        if not paths:
            return data
        path = draw(st.sampled_from(paths))
        parent, key, value = _get(data, path[:-1]), path[-1], _get(data, path)
        kind = draw(st.sampled_from(["delete", "replace", "replace", "duplicate", "grow", "nest", "key"]))
        if kind == "delete":
            del parent[key]
        elif kind == "replace":
            # a copy: a later mutation of this case may edit it in place, and BAD_VALUES must stay as it is
            parent[key] = copy.deepcopy(draw(st.sampled_from(BAD_VALUES) | st.floats() | st.integers()
                                             | st.text(max_size=20)))
        elif kind == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(value))
        elif kind == "grow":
            parent[key] = [copy.deepcopy(value)] * draw(st.sampled_from([2, 100, 3000]))
        elif kind == "nest":
            parent[key] = _nested(draw(st.sampled_from([5, 80, 300])))
        elif kind == "key" and isinstance(value, dict):
            value[draw(st.sampled_from(["", "mediator", "ü🙂", "x" * 300, "unknown_field"]))] = \
                copy.deepcopy(draw(st.sampled_from(BAD_VALUES)))
    return data


TEXT_EDITS = [
    ("tag", "!!int abc "), ("tag", "!!python/object/apply:os.system [ls] "), ("tag", "!!binary aGk= "),
    ("tag", "!!set "), ("tag", "!custom "), ("anchor", "&a "), ("alias", "*a "), ("alias", "*nope "),
]
BOMB = "".join(f"b{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 9) + "]\n" for i in range(1, 9))


@st.composite
def mutated_text(draw: Any, text: str) -> str:
    """`text` edited at the byte level: a tag or alias inserted after a colon, truncated, a byte flipped, a bomb."""
    kind = draw(st.sampled_from(["insert", "insert", "truncate", "flip", "bomb", "deep"]))
    if kind == "truncate":
        return text[: draw(st.integers(0, max(0, len(text) - 1)))]
    if kind == "flip":
        i = draw(st.integers(0, max(0, len(text) - 1)))
        return text[:i] + draw(st.sampled_from(["\x00", "{", "]", ":", "\t", "'", "\ufeff", "&", "*"])) + text[i + 1:]
    if kind == "bomb":
        return "b0: &b0 [x, x, x, x, x, x, x, x, x]\n" + BOMB + text
    if kind == "deep":
        depth = draw(st.sampled_from([70, 1000, 5000]))
        return text + f"\ndeep: {'[' * depth}{']' * depth}\n"
    colons = [i for i, ch in enumerate(text) if ch == ":" and text[i + 1:i + 2] == " "]
    if not colons:
        return text
    i = draw(st.sampled_from(colons)) + 2
    return text[:i] + draw(st.sampled_from(TEXT_EDITS))[1] + text[i:]
