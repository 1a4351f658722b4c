"""Shapley values and the attributions built on them (items, stakeholders, criteria)."""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "decision_summary": "sim.analysis.decision",
    "DecisionSummary": "sim.analysis.decision",
    "METRIC_HELP": "sim.analysis.decision",
    "readable_transcript": "sim.analysis.transcript",
    "attribute_criteria": "sim.analysis.attribution",
    "attribute_items": "sim.analysis.attribution",
    "attribute_run": "sim.analysis.run_attribution",
    "attribute_stakeholders": "sim.analysis.stakeholders",
    "Attribution": "sim.analysis.attribution",
    "AttributionError": "sim.analysis.attribution",
    "load_run_data": "sim.analysis.attribution",
    "shapley_values": "sim.analysis.shapley",
    "ShapleyResult": "sim.analysis.shapley",
    "ShapleySettings": "sim.analysis.attribution",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
