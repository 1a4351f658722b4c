"""Each package's public names are pinned (as Mesa's tests/test_import_namespace.py does).

Adding or removing a public name is a deliberate change: update this list with it.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PUBLIC = {
    "sim": [
        'AgentSpec', 'NegsimError', 'RunConfig', 'RunResult', 'Scenario', '__version__', 'evaluate', 'load',
        'optimise', 'run', 'run_many', 'shapley_values'
    ],
    "sim.report": [
        'Series', 'design_colors', 'evaluation_dict', 'report_html', 'svg_chart'
    ],
    "sim.core": [
        'Amendment', 'BelievedUtilities', 'DesignMetrics', 'DesignReport', 'GroupView', 'MAX_AMENDMENTS',
        'MEDIATOR', 'Mediator', 'Move', 'NegotiationContext', 'NegotiationEnv', 'NegsimError', 'Outcome',
        'PeriodMemory', 'ProposalReport', 'PublicContext', 'PublicRubric', 'PublicState', 'Reply', 'Rubric',
        'Scenario', 'ScenarioError', 'Stakeholder', 'Voice', 'VoiceError', 'atomic_write',
        'build_rubric', 'design_metrics', 'env', 'evaluate_designs', 'evaluate_package', 'gini', 'json_schema',
        'load_scenario', 'loads_scenario', 'lorenz_curve', 'make_context', 'move_from_row',
        'nash_welfare', 'p20', 'parse_scenario', 'parse_voices', 'read_outcomes', 'read_run_scenario',
        'read_summary', 'read_transcript', 'rows_to_csv', 'scenario_to_yaml', 'total', 'worst_group', 'write_run'
    ],
    "sim.search": [
        'FrontierPoint', 'InfeasibleMILP', 'OBJECTIVES', 'SearchCache', 'SearchResult', 'best_for_group', 'cached',
        'dominating_package', 'enumerate_feasible', 'feasible_table', 'ideal_point', 'is_pareto_optimal', 'optimise',
        'pareto_frontier'
    ],
    "sim.run": [
        'RepeatedConfig', 'RepeatedResult', 'RerunError', 'RunConfig', 'RunResult', 'UnknownAgent',
        'WorkEstimate', 'WorkTooLarge', 'check_work', 'estimate_work',
        'game_player_names', 'load_parent', 'make_game_player', 'make_mediator', 'make_stakeholder', 'mediator_names',
        'play', 'register_mediator', 'register_stakeholder', 'rerun_from', 'run_negotiation', 'run_over_seeds',
        'run_repeated', 'split_lineup', 'stakeholder_names'
    ],
    "sim.run.sweep": [
        'BACKENDS', 'Plan', 'RunTask', 'SweepError', 'SweepOutcome', 'SweepSpec', 'aggregate', 'bootstrap_ci',
        'build_plan', 'execute', 'load_results', 'load_sweep', 'run_chunk', 'spawn_run_seeds'
    ],
    "sim.analysis": [
        'Attribution', 'AttributionError', 'DecisionSummary', 'METRIC_HELP', 'ShapleyResult', 'ShapleySettings',
        'attribute_criteria', 'attribute_items', 'attribute_run', 'attribute_stakeholders', 'decision_summary', 'load_run_data',
        'readable_transcript', 'shapley_values'
    ],
    "sim.games": [
        'Game', 'GameView', 'MatchConfig', 'MatchResult', 'TournamentResult', 'load_game', 'play_match',
        'resolve_game', 'round_robin'
    ],
    "sim.pb": [
        'Grouping', 'ImportResult', 'PBReport', 'PabulibError', 'SegmentError', 'import_pabulib', 'load_election',
        'pb_report', 'segment_voters'
    ],
    "sim.testing": [
        'ConformanceError', 'ConformanceReport', 'LlamaServer', 'check_mediator', 'check_stakeholder',
        'random_scenario', 'random_scenario_dict', 'scenarios', 'synthetic_election'
    ],
    "sim.cli": [
        'app', 'main'
    ],
    "agents": [
        'AwaitingHuman', 'BeliefSettings', 'Beliefs', 'CURVES', 'HeuristicStakeholder', 'HumanStakeholder',
        'LedgerMediator', 'MemoryStakeholder', 'RuleMediator', 'STRATEGIES', 'ScriptedPlayer', 'StakeholderPlayer',
        'schulze'
    ],
    "agents.llm": [
        'DeliberativeMediator', 'LLMClient', 'LLMMediator', 'LLMSettings', 'LLMSetupError', 'LLMStakeholder',
        'ReplayMiss', 'make_chat_model', 'make_client', 'replay_client'
    ],
    "dashboards": [
        'RunView', 'list_runs', 'list_sweeps', 'load_run_view'
    ],
    "sim.survey": [
        'ProfileConfig', 'ReportConfig', 'Survey', 'SurveyError', 'SurveyReport', 'SurveyScenario', 'load_survey',
        'loads_survey', 'survey_from_frame', 'survey_report', 'survey_scenario', 'synthetic_survey'
    ],
}


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_public_names_are_pinned_and_resolve(package):
    module = importlib.import_module(package)
    assert sorted(module.__all__) == PUBLIC[package]
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"
    assert sorted(dir(module)) == sorted(set(dir(module)) | set(PUBLIC[package]))


def test_an_unknown_name_is_an_attribute_error():
    import sim.core

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sim.core.nope  # noqa: B018


def test_shapley_values_from_the_analysis_package_and_the_old_path():
    from sim.analysis import shapley_values
    from sim.shapley import shapley_values as old

    assert old is shapley_values
    majority = shapley_values(lambda rows: (rows.sum(axis=1) >= 2).astype(float), ["a", "b", "c"])
    assert majority.values == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})


def test_every_domain_error_is_a_negsim_error():
    from agents.llm.client import ReplayMiss
    from agents.llm.models import LLMSetupError
    from sim.analysis.attribution import AttributionError
    from sim.core.errors import NegsimError
    from sim.core.scenario import ScenarioError
    from sim.pb.pabulib import PabulibError
    from sim.pb.segments import SegmentError
    from sim.run.registry import UnknownAgent
    from sim.run.sweep.spec import SweepError
    from sim.search.milp import InfeasibleMILP
    from sim.survey.format import SurveyError

    for error in (ReplayMiss, LLMSetupError, AttributionError, ScenarioError, PabulibError, SegmentError,
                  UnknownAgent, SweepError, InfeasibleMILP, SurveyError):
        assert issubclass(error, NegsimError), error.__name__


def test_importing_a_package_loads_nothing_heavy():
    code = ("import sys, sim.core, sim.search, sim.run, sim.analysis, sim.survey, sim.testing, agents; "
            "heavy = [m for m in ('pettingzoo', 'shap', 'pabutools', 'langchain_core', 'hypothesis', 'dask', "
            "'krippendorff', 'choix') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_runner_and_the_belief_agents_import_without_scipy_special():
    # scipy.special costs 0.14 s of every CLI start-up; only the belief filter uses it, when it runs
    code = ("import sys, sim.run.runner, agents.beliefs; "
            "print([m for m in ('scipy.special', 'scipy.optimize') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
