"""Structured moves agents make in the protocol, and their encoding as gymnasium actions.

Statements are the only channel from a stakeholder to the mediator: a round-0 `position`
(stated priorities over criteria, stated ideal package, stated red lines), each round an
`accept` or an `object` with amendments, an optional stated reservation and a reason, and a
`ranking` of the round's candidate drafts when the mediator elicits one.

A stakeholder action is MultiDiscrete([2] + [2K+1] * MAX_AMENDMENTS): accept/object, then
amendment codes (0 none, 1..K add item k-1, K+1..2K drop item k-1-K). A mediator action
is MultiBinary(K): the draft package. Agents may also hand the env a `Move` directly,
which carries a public reason and metadata (LLM usage, fallback causes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Container, Literal

import numpy as np

MAX_AMENDMENTS = 3

MoveKind = Literal["draft", "accept", "object", "position"]


@dataclass(frozen=True)
class Amendment:
    """add an item, drop an item, or swap: add `item` and drop `other`."""

    op: Literal["add", "drop", "swap"]
    item: str
    other: str | None = None

    def __str__(self) -> str:
        return f"swap:{self.item}>{self.other}" if self.op == "swap" else f"{self.op}:{self.item}"

    @classmethod
    def parse(cls, text: str) -> "Amendment":
        """Inverse of str(): 'add:x', 'drop:x', 'swap:x>y'."""
        op, _, rest = text.partition(":")
        if op == "swap":
            item, _, other = rest.partition(">")
            return cls("swap", item, other)
        if op not in ("add", "drop") or not rest:
            raise ValueError(f"bad amendment {text!r}; use add:ID, drop:ID or swap:ADD>DROP")
        return cls(op, rest)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Move:
    """One agent's move: a draft or position package, or a reply with amendments.

    Statement fields: `priorities` (criterion, weight) pairs and stated red lines (`must_have`,
    `never`, `min_utility`) in a position; `reservation` and `ranking` (indices into the round's
    candidate drafts, best first) in a reply; `candidates` (packages put up for ranking) in a draft.
    """

    kind: MoveKind
    package: tuple[str, ...] = ()
    amendments: tuple[Amendment, ...] = ()
    reason: str = ""
    reservation: float | None = None
    meta: dict = field(default_factory=dict, compare=False)
    priorities: tuple[tuple[str, float], ...] = ()
    must_have: tuple[str, ...] = ()
    never: tuple[str, ...] = ()
    min_utility: float | None = None
    ranking: tuple[int, ...] = ()
    candidates: tuple[tuple[str, ...], ...] = ()


def amendment_problem(a: Amendment, known: Container[str], in_draft: Callable[[str], bool] | None) -> str:
    """Why an amendment does not apply ('' when it does), the one legality rule of the engine.

    Every item named must exist; on a draft (when `in_draft` is given) an add or swap brings in
    an item outside it, a drop or swap takes out an item in it.
    """
    for item in (a.item, a.other):
        if item is not None and item not in known:
            return f"unknown item '{item}'"
    if in_draft is None:
        return ""
    if a.op in ("add", "swap") and in_draft(a.item):
        return f"'{a.item}' is already in the draft"
    if a.op == "drop" and not in_draft(a.item):
        return f"'{a.item}' is not in the draft"
    if a.op == "swap" and not in_draft(a.other):
        return f"'{a.other}' is not in the draft"
    return ""


def draft_lookup(draft: np.ndarray, item_index: dict[str, int]) -> Callable[[str], bool]:
    """`in_draft` for a 0/1 package vector."""
    return lambda item: bool(draft[item_index[item]])


def encode_reply(move: Move, item_index: dict[str, int]) -> np.ndarray:
    """Encode a stakeholder reply as a MultiDiscrete action (swaps become add + drop)."""
    k = len(item_index)
    codes = []
    for a in move.amendments:
        if a.op in ("add", "swap"):
            codes.append(1 + item_index[a.item])
        if a.op == "drop":
            codes.append(1 + k + item_index[a.item])
        if a.op == "swap" and a.other is not None:
            codes.append(1 + k + item_index[a.other])
    codes = (codes + [0] * MAX_AMENDMENTS)[:MAX_AMENDMENTS]
    return np.array([0 if move.kind == "accept" else 1] + codes, dtype=np.int64)


def decode_reply(action: np.ndarray, item_ids: tuple[str, ...]) -> Move:
    """Decode a MultiDiscrete reply; an add and a drop in one action form a swap."""
    k = len(item_ids)
    action = np.asarray(action).ravel()
    if int(action[0]) == 0:
        return Move("accept", reason="accepts the draft")
    adds = [item_ids[c - 1] for c in action[1:] if 1 <= c <= k]
    drops = [item_ids[c - 1 - k] for c in action[1:] if k < c <= 2 * k]
    amendments = []
    while adds and drops:
        amendments.append(Amendment("swap", adds.pop(0), drops.pop(0)))
    amendments += [Amendment("add", i) for i in adds] + [Amendment("drop", i) for i in drops]
    return Move("object", amendments=tuple(amendments), reason="objects to the draft")


def encode_draft(move: Move, item_index: dict[str, int]) -> np.ndarray:
    """The 0/1 package vector of a draft move's items."""
    x = np.zeros(len(item_index), dtype=np.int8)
    for item in move.package:
        x[item_index[item]] = 1
    return x


def move_from_row(row: dict) -> Move:
    """A Move from a transcript row (or the same shape typed by a person); raises ValueError naming the field.

    `{"kind": "accept"}`, `{"kind": "object", "amendments": ["add:x", "swap:y>z"], "reason": "..."}`,
    `{"kind": "draft", "package": ["x", "y"]}`; `reservation` (a number) is optional.
    """
    if not isinstance(row, dict):
        raise ValueError("kind: the move is not a JSON object; fix: pass one such as {\"kind\": \"accept\"}")
    kind = row.get("kind")
    if kind not in ("accept", "object", "draft"):
        raise ValueError(f"kind: {kind!r} is not a move; fix: use accept, object or draft")
    amendments = row.get("amendments") or []
    if not isinstance(amendments, list) or (kind != "object" and amendments):
        raise ValueError("amendments: not a list of amendments of an objection; "
                         "fix: give 'add:ID', 'drop:ID' or 'swap:ADD>DROP' with kind object")
    try:
        parsed = tuple(Amendment.parse(str(a)) for a in amendments)
    except ValueError as err:
        raise ValueError(f"amendments: {str(err).replace('; use', '; fix: use')}") from None
    if any(a.op == "swap" and not (a.item and a.other) for a in parsed):
        raise ValueError("amendments: a swap names one item; fix: write 'swap:ADD>DROP'")
    package = row.get("package") or []
    if not isinstance(package, list) or (kind != "draft" and package):
        raise ValueError("package: not a list of item ids of a draft; fix: give a list of ids with kind draft")
    reservation = row.get("reservation")
    if reservation is not None and (isinstance(reservation, bool) or not isinstance(reservation, (int, float))):
        raise ValueError("reservation: not a number; fix: give a number or leave it out")
    return Move(kind, tuple(str(i) for i in package), parsed, str(row.get("reason") or ""),
                None if reservation is None else float(reservation))
