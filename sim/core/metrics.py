"""Outcome metrics, one definition each (docs/design.md, "Metrics"): pure functions over arrays."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

METRIC_KEYS = ("total", "worst_group", "p20", "gini")


def total(u: np.ndarray) -> float:
    """Sum of group utilities, unweighted."""
    return float(np.sum(u))


def total_weighted(u: np.ndarray, sizes: np.ndarray) -> float:
    """Sum of group utilities weighted by the people each group represents."""
    return float(np.dot(u, sizes))


def worst_group(u: np.ndarray) -> tuple[float, int]:
    """Lowest group utility and the index of that group (first on ties)."""
    g = int(np.argmin(u))
    return float(u[g]), g


def gini(u: np.ndarray) -> float | None:
    """Gini coefficient sum|u_i-u_j| / (2 n^2 mean); None when mean <= 0 (undefined)."""
    u = np.asarray(u, dtype=float)
    n = u.size
    mean = u.mean() if n else 0.0
    if n == 0 or mean <= 0:
        return None
    diff = np.abs(u[:, None] - u[None, :]).sum()
    return float(diff / (2.0 * n * n * mean))


def satisfaction(unit_utils: np.ndarray) -> np.ndarray:
    """Min-max satisfaction per unit over the evaluated designs: (D, U) -> (D, U) in [0, 1].

    lo/hi are taken per unit over the rows (the designs evaluated together); a unit
    whose hi equals its lo counts as fully satisfied.
    """
    unit_utils = np.atleast_2d(np.asarray(unit_utils, dtype=float))
    lo, hi = unit_utils.min(axis=0), unit_utils.max(axis=0)
    span = hi - lo
    flat = span <= 1e-12
    s = (unit_utils - lo) / np.where(flat, 1.0, span)
    s[:, flat] = 1.0
    return s


def p20(s: np.ndarray) -> float:
    """20th percentile (numpy 'linear') of the satisfactions of one design's units."""
    return float(np.percentile(np.asarray(s, dtype=float), 20, method="linear"))


def nash_welfare(u: np.ndarray, d: np.ndarray) -> float:
    """Geometric mean of the gains over the disagreement point; 0 when any gain is <= 0."""
    gains = np.asarray(u, dtype=float) - np.asarray(d, dtype=float)
    if gains.size == 0 or np.any(gains <= 0):
        return 0.0
    return float(math.exp(np.mean(np.log(gains))))


def lorenz_curve(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of the Lorenz curve (population share, utility share), starting at (0, 0)."""
    v = np.sort(np.asarray(u, dtype=float))
    cum = np.concatenate([[0.0], np.cumsum(v)])
    pop = np.linspace(0.0, 1.0, v.size + 1)
    return pop, cum / cum[-1] if cum[-1] else cum


@dataclass(frozen=True)
class DesignMetrics:
    """The metrics of one design (package) among the evaluated designs of a scenario."""

    total: float
    total_weighted: float
    worst_group: float
    worst_group_id: str
    p20: float
    gini: float | None
    nash_welfare: float
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        """The metrics as JSON-ready data (notes as a list)."""
        return {"total": self.total, "total_weighted": self.total_weighted,
                "worst_group": self.worst_group, "worst_group_id": self.worst_group_id,
                "p20": self.p20, "gini": self.gini, "nash_welfare": self.nash_welfare,
                "notes": list(self.notes)}


def design_metrics(group_utils: np.ndarray, sats: np.ndarray, sizes: np.ndarray,
                   group_ids: tuple[str, ...], disagreement: np.ndarray) -> DesignMetrics:
    """All metrics of one design from its group utilities and its units' satisfactions."""
    value, g = worst_group(group_utils)
    gi = gini(group_utils)
    notes = () if gi is not None else ("gini undefined: mean group utility <= 0",)
    return DesignMetrics(
        total=total(group_utils), total_weighted=total_weighted(group_utils, sizes),
        worst_group=value, worst_group_id=group_ids[g], p20=p20(sats), gini=gi,
        nash_welfare=nash_welfare(group_utils, disagreement), notes=notes)
