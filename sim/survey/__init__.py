"""Survey data: import ratings and rankings, measure disagreement, turn responses into value profiles."""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "load_survey": "sim.survey.data",
    "loads_survey": "sim.survey.data",
    "ProfileConfig": "sim.survey.to_scenario",
    "ReportConfig": "sim.survey.report",
    "survey_from_frame": "sim.survey.data",
    "survey_report": "sim.survey.report",
    "survey_scenario": "sim.survey.to_scenario",
    "Survey": "sim.survey.format",
    "SurveyError": "sim.survey.format",
    "SurveyReport": "sim.survey.report",
    "SurveyScenario": "sim.survey.to_scenario",
    "synthetic_survey": "sim.survey.synthetic",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
