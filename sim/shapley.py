"""Deprecated alias: Shapley values moved to `sim.analysis` (this path goes in the next release)."""

from sim.analysis.shapley import ShapleyResult, shapley_values

__all__ = ["ShapleyResult", "shapley_values"]
