"""Voice: how a stakeholder states its values, applied by the engine to every statement it makes.

- `truthful`: statements pass as the agent made them.
- `silent`: only accept / object (no priorities, ideal package, red lines, amendments,
  reservation, reason, ranking or ballot).
- `exaggerate:k` (default k = 2): stated priorities sharpened (weights to the power k,
  renormalised), a ballot cast from item values under those sharpened weights, and the stated
  reservation moved the share 1 - 1/k of the way from it to the group's best feasible utility.

A stakeholder always *decides* on its true utility and red lines; voice changes only what
the mediator hears.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sim.core.errors import NegsimError
from sim.core.moves import Move

VOICES = ("truthful", "silent", "exaggerate")
DEFAULT_SHARPNESS = 2.0
MAX_SHARPNESS = 20.0


class VoiceError(NegsimError, ValueError):
    """An unknown voice or a bad exaggeration factor."""


@dataclass(frozen=True)
class Voice:
    """One group's voice: kind and, for `exaggerate`, the sharpening power k."""

    kind: str = "truthful"
    k: float = 1.0

    def __str__(self) -> str:
        return f"exaggerate:{self.k:g}" if self.kind == "exaggerate" else self.kind

    def speak(self, move: Move, ideal: float) -> Move:
        """The statement the mediator hears when this voice says `move` (`ideal`: the group's best utility)."""
        if self.kind == "truthful" or move.kind in ("draft",):
            return move
        if self.kind == "silent":
            kind = move.kind if move.kind in ("accept", "object", "position") else "object"
            return Move(kind, meta=move.meta)
        reservation = move.reservation
        if reservation is not None and ideal > reservation:
            reservation = reservation + (1.0 - 1.0 / self.k) * (ideal - reservation)
        return dataclasses.replace(move, priorities=sharpen(move.priorities, self.k),
                                   reservation=reservation)


    def ballot_values(self, contributions: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
        """The item values a ballot is cast from (None when silent).

        Per item the sum of its per-criterion contributions (K, C), each rescaled from the weights
        to the sharpened ones when exaggerating (as stated priorities are sharpened).
        """
        if self.kind == "silent":
            return None
        if self.kind == "truthful":
            return contributions.sum(axis=1)
        w = np.clip(np.asarray(weights, dtype=float), 0.0, None)
        sharp = w ** self.k / max(float((w ** self.k).sum()), 1e-300)
        return contributions @ np.divide(sharp, w, out=np.zeros_like(w), where=w > 0)


def sharpen(priorities: tuple[tuple[str, float], ...], k: float) -> tuple[tuple[str, float], ...]:
    """Weights to the power k, renormalised to sum 1 (zero weights stay zero)."""
    if not priorities:
        return priorities
    w = np.array([max(float(v), 0.0) for _, v in priorities]) ** k
    total = float(w.sum())
    if total <= 0:
        return priorities
    return tuple((c, round(float(v / total), 9)) for (c, _), v in zip(priorities, w))


def parse_voice(text: str) -> Voice:
    """'truthful', 'silent', 'exaggerate' or 'exaggerate:K' -> Voice; VoiceError names the fix."""
    name, _, option = str(text).strip().partition(":")
    if name not in VOICES:
        raise VoiceError(f"unknown voice '{text}'; fix: use truthful, silent or exaggerate[:K]")
    if name != "exaggerate":
        if option:
            raise VoiceError(f"voice '{text}' takes no option; fix: use {name}")
        return Voice(name)
    try:
        k = float(option) if option else DEFAULT_SHARPNESS
    except ValueError:
        k = float("nan")
    if not 1.0 < k <= MAX_SHARPNESS:
        raise VoiceError(f"voice '{text}': k must be a number in (1, {MAX_SHARPNESS:g}]; "
                         f"fix: use e.g. exaggerate:2")
    return Voice("exaggerate", k)


def parse_voices(text: str, group_ids: list[str] | tuple[str, ...]) -> dict[str, Voice]:
    """'truthful' or 'truthful,youth=silent' -> a Voice per group id (VoiceError on unknown groups or voices)."""
    default, per_group = Voice(), {}
    for part in [p.strip() for p in str(text).split(",") if p.strip()]:
        if "=" in part:
            gid, spec = (s.strip() for s in part.split("=", 1))
            if gid not in group_ids:
                raise VoiceError(f"unknown group '{gid}'; fix: use one of {', '.join(group_ids)}")
            per_group[gid] = parse_voice(spec)
        else:
            default = parse_voice(part)
    return {gid: per_group.get(gid, default) for gid in group_ids}
