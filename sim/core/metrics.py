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


def gini_rows(U: np.ndarray, undefined: float = math.nan) -> np.ndarray:
    """Gini per row of group utilities (n, G) -> (n,); `undefined` where the row's mean is <= 0.

    The one formula: sum|u_i-u_j| / (2 G^2 mean). It is not defined at mean <= 0: the run's
    summary reports None there (with a note); an attribution, which needs a number for every
    coalition, passes `undefined=0.0` explicitly.
    """
    U = np.atleast_2d(np.asarray(U, dtype=float))
    G = U.shape[1]
    mean = U.mean(axis=1)
    diff = np.abs(U[:, :, None] - U[:, None, :]).sum(axis=(1, 2))
    defined = mean > 0
    return np.where(defined, diff / (2.0 * G * G * np.where(defined, mean, 1.0)), undefined)


def gini(u: np.ndarray) -> float | None:
    """Gini coefficient of one design's group utilities; None when mean <= 0 (undefined)."""
    u = np.asarray(u, dtype=float)
    if u.size == 0:
        return None
    g = float(gini_rows(u[None, :])[0])
    return None if math.isnan(g) else g


def satisfaction(unit_utils: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """Min-max satisfaction per unit: (D, U) -> (D, U), in [0, 1] over the designs evaluated together.

    lo/hi are taken per unit over the rows of `reference` (default: `unit_utils` itself, the
    designs evaluated together); a unit whose hi equals its lo counts as fully satisfied.
    """
    unit_utils = np.atleast_2d(np.asarray(unit_utils, dtype=float))
    ref = unit_utils if reference is None else np.atleast_2d(np.asarray(reference, dtype=float))
    return satisfaction_between(unit_utils, ref.min(axis=0), ref.max(axis=0))


def satisfaction_between(unit_utils: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """(u - lo) / (hi - lo) per unit, broadcast over rows; 1 where hi equals lo (the one min-max rule)."""
    span = np.asarray(hi, dtype=float) - lo
    flat = span <= 1e-12
    return np.where(flat, 1.0, (np.asarray(unit_utils, dtype=float) - lo) / np.where(flat, 1.0, span))


def p20(s: np.ndarray) -> float:
    """20th percentile (numpy 'linear') of the satisfactions of one design's units."""
    return float(np.percentile(np.asarray(s, dtype=float), 20, method="linear"))


def p20_rows(S: np.ndarray) -> np.ndarray:
    """p20 of each row of satisfactions (D, U) -> (D,)."""
    return np.percentile(np.asarray(S, dtype=float), 20, axis=1, method="linear")


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
