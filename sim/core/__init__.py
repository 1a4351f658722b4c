"""The engine's core.

Scenario schema, rubric, moves, repair, the PettingZoo protocol, metrics,
evaluation, run records, errors and the agent interfaces. Cache and I/O plumbing
(`sim.core.cache`, `sim.core.records.atomic_write_bytes`, `jsonable`) is imported from its module.
"""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "move_from_row": "sim.core.moves",
    "Amendment": "sim.core.moves",
    "BelievedUtilities": "sim.core.interfaces",
    "GroupView": "sim.core.views",
    "PublicContext": "sim.core.views",
    "PublicRubric": "sim.core.rubric",
    "Voice": "sim.core.voice",
    "VoiceError": "sim.core.voice",
    "parse_voices": "sim.core.voice",
    "atomic_write": "sim.core.records",
    "build_rubric": "sim.core.rubric",
    "design_metrics": "sim.core.metrics",
    "DesignMetrics": "sim.core.metrics",
    "DesignReport": "sim.core.evaluate",
    "env": "sim.core.protocol",
    "evaluate_designs": "sim.core.evaluate",
    "evaluate_package": "sim.core.evaluate",
    "gini": "sim.core.metrics",
    "json_schema": "sim.core.scenario",
    "load_scenario": "sim.core.scenario",
    "loads_scenario": "sim.core.scenario",
    "lorenz_curve": "sim.core.metrics",
    "make_context": "sim.core.context",
    "MAX_AMENDMENTS": "sim.core.moves",
    "MEDIATOR": "sim.core.protocol",
    "Mediator": "sim.core.interfaces",
    "Move": "sim.core.moves",
    "nash_welfare": "sim.core.metrics",
    "NegotiationContext": "sim.core.context",
    "NegotiationEnv": "sim.core.protocol",
    "NegsimError": "sim.core.errors",
    "Outcome": "sim.core.protocol",
    "p20": "sim.core.metrics",
    "parse_scenario": "sim.core.scenario",
    "PeriodMemory": "sim.core.periods",
    "ProposalReport": "sim.core.evaluate",
    "PublicState": "sim.core.protocol",
    "read_outcomes": "sim.core.records",
    "read_run_scenario": "sim.core.records",
    "read_summary": "sim.core.records",
    "read_transcript": "sim.core.records",
    "Reply": "sim.core.protocol",
    "rows_to_csv": "sim.core.records",
    "Rubric": "sim.core.rubric",
    "Scenario": "sim.core.scenario",
    "scenario_to_yaml": "sim.core.scenario",
    "ScenarioError": "sim.core.scenario",
    "Stakeholder": "sim.core.interfaces",
    "total": "sim.core.metrics",
    "worst_group": "sim.core.metrics",
    "write_run": "sim.core.records",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
