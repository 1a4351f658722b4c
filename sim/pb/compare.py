"""Negotiated package vs the PB rules on one Pabulib election: one flat row per method.

Rows carry our metrics (total, worst_group, p20, gini over the voter segments, evaluated
together so p20 is comparable), pabutools' own voter-satisfaction measures and the run time
of each method (the negotiation's wall time; each rule's pabutools time).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.pb.pabulib import ImportResult, pabutools_measures
from sim.run.runner import RunConfig, RunResult, run_negotiation

METHODS = ("negotiated", "greedy", "mes", "max_welfare", "actual")
ROW_KEYS = ("instance", "vote_type", "group_by", "projects", "voters", "groups", "budget",
            "method", "n_selected", "cost", "total", "total_weighted", "worst_group",
            "worst_group_id", "p20", "gini", "pb_avg_sat", "pb_gini_sat",
            "pb_non_empty_handed", "seconds", "agreement", "rounds", "package")


@dataclass(frozen=True)
class PBReport:
    """The import, the negotiation run and one row per method."""

    imported: ImportResult
    run: RunResult
    rows: tuple[dict, ...]


def _row(imported: ImportResult, run: RunResult, method: str) -> dict:
    e, scenario = imported.election, imported.scenario
    design = run.designs[method]
    m = design.metrics
    negotiated = method == "negotiated"
    seconds = run.seconds if negotiated else imported.baselines[method].seconds
    row = {
        "instance": e.path.stem, "vote_type": e.vote_type, "group_by": imported.segments.field,
        "projects": len(e.project_ids), "voters": len(e.voters), "groups": len(scenario.groups),
        "budget": e.budget, "method": method, "n_selected": len(design.package),
        "cost": design.cost, "total": m.total, "total_weighted": m.total_weighted,
        "worst_group": m.worst_group, "worst_group_id": m.worst_group_id, "p20": m.p20,
        "gini": m.gini, **pabutools_measures(e, design.package), "seconds": seconds,
        "agreement": run.outcome.agreement if negotiated else None,
        "rounds": run.outcome.rounds if negotiated else None,
        "package": "|".join(design.package),
    }
    return {k: row[k] for k in ROW_KEYS}


def pb_report(imported: ImportResult, config: RunConfig = RunConfig()) -> PBReport:
    """Negotiate on the imported scenario and compare with every PB-rule baseline."""
    run = run_negotiation(imported.scenario, config)
    methods = [m for m in METHODS if m in run.designs]
    return PBReport(imported, run, tuple(_row(imported, run, m) for m in methods))
