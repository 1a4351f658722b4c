"""Candidate drafts built from objections: amendments applied and repaired, and merges of two drafts.

Each requested amendment alone and each group's amendments together give a candidate; the mediator
then merges its best candidate with the runners-up (`merged`). Every candidate is repaired to
feasibility (`sim.core.repair`), protecting the items an amendment adds and not refilling the ones
it drops. The mediator (`agents.mediators.RuleMediator`) memoises these per context and ranks them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.core.context import NegotiationContext
from sim.core.moves import Amendment
from sim.core.protocol import Reply
from sim.core.repair import repair


def amended(ctx: NegotiationContext, x: np.ndarray, amendments: tuple[Amendment, ...]) -> np.ndarray | None:
    """The draft with these amendments applied and repaired (read-only int8), None when unchanged."""
    rub = ctx.rubric
    idx = rub.item_index
    y = x.copy()
    added, dropped = set(), set()
    for a in amendments:
        if a.op in ("add", "swap"):
            y[idx[a.item]] = 1
            added.add(idx[a.item])
        for gone in ([a.item] if a.op == "drop" else [a.other] if a.op == "swap" else []):
            k = idx[gone]
            y[k] = 0
            y[rub.dependants(k)] = 0
            dropped.add(k)
    y, _ = repair(ctx, y, protect=frozenset(added), refill_banned=frozenset(dropped))
    if np.array_equal(y, x):
        return None
    y = np.array(y, dtype=np.int8)
    y.setflags(write=False)
    return y


def from_objections(apply: Callable[[np.ndarray, tuple[Amendment, ...]], np.ndarray | None], x: np.ndarray,
                    objections: dict[str, Reply]) -> list[tuple[np.ndarray, str]]:
    """(package, label) per distinct amended draft: each amendment alone, each group's amendments together."""
    out, seen = [], {x.tobytes()}
    for g, reply in objections.items():
        options = [(a,) for a in reply.amendments]
        if len(reply.amendments) > 1:
            options.append(reply.amendments)
        for amendments in options:
            y = apply(x, amendments)
            if y is not None and y.tobytes() not in seen:
                seen.add(y.tobytes())
                out.append((y, f"{', '.join(map(str, amendments))} for {g}"))
    return out


def merged(ctx: NegotiationContext, a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """Package a with b's extra items, repaired (read-only), None when that gives a back."""
    y, _ = repair(ctx, np.maximum(a, b), protect=frozenset(np.flatnonzero(b & ~a)))
    if np.array_equal(y, a):
        return None
    y = np.array(y)
    y.setflags(write=False)
    return y
