"""Elicitation formats: what a mediator may ask the groups for beyond their positions and replies.

`rank:K`: each round the groups rank K candidate drafts. A ballot format (`ELICITED`:
threshold[:T], knapsack, value_rank, vfm_rank, approve:K; `rank:K` is also a vote format in the
vote benchmark) is cast once, with the positions (`sim.core.ballots`).
"""

from __future__ import annotations

import math

__all__ = ["ELICITED", "MAX_RANK", "elicited_ballot", "parse_ballot", "parse_elicitation"]

MAX_RANK = 6          # at most this many candidate drafts are put to the groups for ranking


ELICITED = ("threshold", "knapsack", "value_rank", "vfm_rank", "approve")   # ballot formats a mediator may elicit
FIX = "use threshold[:T] (T >= 0), knapsack, value_rank, vfm_rank, approve:K or rank:K"


def parse_ballot(text: str) -> tuple[str, float | None]:
    """'approve:3' -> ('approve', 3.0); 'threshold' -> ('threshold', None); ValueError naming the fix."""
    name, colon, option = str(text).strip().partition(":")
    try:
        value = float(option) if colon else None
    except ValueError:
        value = float("nan")
    ok = {"threshold": value is None or (math.isfinite(value) and value >= 0),
          "knapsack": not colon, "value_rank": not colon, "vfm_rank": not colon,
          "approve": option.isdigit() and int(option) > 0, "rank": option.isdigit() and int(option) > 0}
    if not ok.get(name, False):
        raise ValueError(f"unknown ballot format {text!r}; {FIX}")
    return name, value


def parse_elicitation(text: str) -> int:
    """'none' or a ballot format -> 0, 'rank:K' -> K; raise ValueError naming the fix otherwise.

    Ballot formats (`sim.core.ballots.ELICITED`: threshold[:T], knapsack, value_rank, vfm_rank,
    approve:K) are cast once, with the positions; `rank:K` ranks K candidate drafts every round.
    """
    text = str(text).strip()
    if text == "none" or elicited_ballot(text) is not None:
        return 0
    name, _, k = text.partition(":")
    if name != "rank" or not k.strip().isdigit():
        raise ValueError(f"unknown elicitation {text!r}; use none, rank:K (e.g. rank:3), threshold[:T], "
                         "knapsack, value_rank, vfm_rank or approve:K")
    K = int(k)
    if not 2 <= K <= MAX_RANK:
        raise ValueError(f"rank:{K} asks for {K} candidate drafts; use rank:K with 2 <= K <= {MAX_RANK} "
                         f"(the mediator prepares at most {MAX_RANK} candidates)")
    return K


def elicited_ballot(text: str) -> str | None:
    """The ballot format an elicitation asks for (None: `none` or `rank:K`); ValueError on a malformed one."""
    text = str(text).strip()
    if text.partition(":")[0] not in ELICITED:
        return None
    try:
        parse_ballot(text)
    except ValueError:
        raise ValueError(f"unknown elicitation {text!r}; use threshold[:T] (T >= 0), knapsack, value_rank, "
                         "vfm_rank or approve:K (K >= 1)") from None
    return text
