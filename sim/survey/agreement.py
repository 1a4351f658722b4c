"""Krippendorff's alpha through the `krippendorff` package (the only module that imports it)."""

from __future__ import annotations

import warnings

import numpy as np

LEVELS = ("ordinal", "interval")


def alpha(reliability: np.ndarray, level: str) -> float:
    """Krippendorff's alpha of a raters x units matrix (NaN = missing); NaN when undefined.

    Undefined: fewer than two raters, or fewer than two distinct values in the data.
    """
    import krippendorff

    data = np.asarray(reliability, dtype=float)
    if data.shape[0] < 2 or np.unique(data[~np.isnan(data)]).size < 2:
        return float("nan")
    if ((~np.isnan(data)).sum(axis=0) >= 2).sum() == 0:     # no unit has two answers to pair
        return float("nan")
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)         # no expected disagreement: alpha is NaN
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def alphas(reliability: np.ndarray) -> dict[str, float]:
    """Ordinal and interval alpha of one raters x units matrix."""
    return {level: alpha(reliability, level) for level in LEVELS}
