"""Survey data: import ratings and rankings, measure disagreement, turn responses into value profiles."""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "load_survey": "sim.survey.data",
    "loads_survey": "sim.survey.data",
    "Survey": "sim.survey.format",
    "SurveyError": "sim.survey.format",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
