"""A small GBNF recogniser for tests: does a grammar (llama.cpp's converter output) accept a string?

Covers what `json_schema_to_gbnf` emits: rules `name ::= expr`, literals with escapes,
character classes (ranges, negation, escapes), groups, alternation and the ? * + postfixes.
Set-based: each node maps a start position to the set of end positions it can reach.
"""

from __future__ import annotations

import re
import sys

_ESC = {"n": "\n", "t": "\t", "r": "\r"}
_TOKEN = re.compile(r'\s*("(?:\\.|[^"\\])*"|\[(?:\\.|[^\]\\])*\]|[A-Za-z0-9_-]+|[()|?*+])')


def _unescape(body: str) -> list[str]:
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            c = _ESC.get(body[i + 1], body[i + 1])
            i += 1
        out.append(c)
        i += 1
    return out


def _char_class(text: str):
    body = text[1:-1]
    negate = body.startswith("^")
    chars = _unescape(body[1:] if negate else body)
    ranges, i = [], 0
    while i < len(chars):
        if i + 2 < len(chars) and chars[i + 1] == "-":
            ranges.append((chars[i], chars[i + 2]))
            i += 3
        else:
            ranges.append((chars[i], chars[i]))
            i += 1
    return ("class", negate, tuple(ranges))


def _parse(tokens: list[str], i: int = 0):
    """alt := seq ('|' seq)*; returns (node, next index)."""
    alts, seq = [], []
    while i < len(tokens) and tokens[i] != ")":
        t = tokens[i]
        if t == "|":
            alts.append(("seq", tuple(seq)))
            seq, i = [], i + 1
            continue
        if t == "(":
            node, i = _parse(tokens, i + 1)
            i += 1                                   # the closing ')'
        elif t.startswith('"'):
            node, i = ("lit", "".join(_unescape(t[1:-1]))), i + 1
        elif t.startswith("["):
            node, i = _char_class(t), i + 1
        else:
            node, i = ("ref", t), i + 1
        while i < len(tokens) and tokens[i] in "?*+":
            node, i = (tokens[i], node), i + 1
        seq.append(node)
    alts.append(("seq", tuple(seq)))
    return ("alt", tuple(alts)), i


def parse_grammar(gbnf: str) -> dict:
    """Rule name -> parsed expression."""
    rules = {}
    for line in gbnf.splitlines():
        if "::=" in line:
            name, _, expr = line.partition("::=")
            rules[name.strip()] = _parse(_TOKEN.findall(expr))[0]
    return rules


def accepts(gbnf: str, text: str, start: str = "root") -> bool:
    """True when the whole text is derived from the start rule."""
    rules = parse_grammar(gbnf)
    memo: dict = {}
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))

    def ends(node, i: int) -> frozenset:
        key = (id(node), i)
        if key not in memo:
            memo[key] = _ends(node, i)
        return memo[key]

    def _ends(node, i: int) -> frozenset:
        kind = node[0]
        if kind == "lit":
            return frozenset([i + len(node[1])]) if text.startswith(node[1], i) else frozenset()
        if kind == "class":
            if i >= len(text):
                return frozenset()
            inside = any(lo <= text[i] <= hi for lo, hi in node[2])
            return frozenset([i + 1]) if inside != node[1] else frozenset()
        if kind == "ref":
            return ends(rules[node[1]], i)
        if kind == "alt":
            return frozenset().union(*(ends(n, i) for n in node[1]))
        if kind == "seq":
            here = frozenset([i])
            for n in node[1]:
                here = frozenset().union(*(ends(n, j) for j in here)) if here else here
            return here
        if kind == "?":
            return frozenset([i]) | ends(node[1], i)
        reached, frontier = set([i] if kind == "*" else []), set(ends(node[1], i))
        while frontier:                               # * and +: repeat until no new end position
            reached |= frontier
            frontier = set().union(*(ends(node[1], j) for j in frontier)) - reached
        return frozenset(reached)

    return len(text) in ends(rules[start], 0)
