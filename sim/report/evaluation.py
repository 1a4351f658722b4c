"""The JSON shape of a planner's package evaluation (`negsim evaluate --json`, the dashboard's lab)."""

from __future__ import annotations

from sim.core.records import jsonable

__all__ = ["evaluation_dict"]


def evaluation_dict(report, ctx) -> dict:
    """JSON shape of `negsim evaluate` (same metric keys and per_group as summary.json)."""
    gids = ctx.rubric.group_ids
    p = report.proposal
    metrics = {k: v for k, v in p.metrics.as_dict().items() if k != "notes"}
    metrics["pareto_optimal"] = report.pareto_optimal
    return jsonable({
        "scenario": ctx.scenario.name, "package": list(p.package), "cost": p.cost,
        "budget": ctx.rubric.budget, "feasible": not p.infeasible,
        "infeasible": list(p.infeasible), "metrics": metrics, "notes": list(p.metrics.notes),
        "per_group": p.per_group(gids), "red_lines_broken": p.red_lines,
        "dominated_by": None if report.dominated_by is None else {
            "package": list(report.dominated_by),
            "per_group": dict(zip(gids, report.dominated_by_utilities))},
        "best_single_change": report.best_single_change,
        "designs": {n: r.as_dict(gids) for n, r in report.designs.items()},
    })
