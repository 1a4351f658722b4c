"""The engine's core.

Scenario schema, rubric, moves, repair, the PettingZoo protocol, metrics,
evaluation, run records, errors, the agent interfaces and one cache helper.
"""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "Amendment": "sim.core.moves",
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
    "jsonable": "sim.core.records",
    "load_scenario": "sim.core.scenario",
    "loads_scenario": "sim.core.scenario",
    "lorenz_curve": "sim.core.metrics",
    "LRU": "sim.core.cache",
    "make_context": "sim.core.context",
    "MAX_AMENDMENTS": "sim.core.moves",
    "MEDIATOR": "sim.core.protocol",
    "Mediator": "sim.core.interfaces",
    "memo": "sim.core.cache",
    "Move": "sim.core.moves",
    "nash_welfare": "sim.core.metrics",
    "NegotiationContext": "sim.core.context",
    "NegotiationEnv": "sim.core.protocol",
    "NegsimError": "sim.core.errors",
    "Outcome": "sim.core.protocol",
    "owned": "sim.core.cache",
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
