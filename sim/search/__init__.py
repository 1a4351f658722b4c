"""Exact search over packages: enumeration, MILP (HiGHS), objectives, the Pareto frontier (`pareto`)."""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "best_for_group": "sim.search.exact",
    "cached": "sim.search.exact",
    "dominating_package": "sim.search.pareto",
    "enumerate_feasible": "sim.search.enumeration",
    "feasible_table": "sim.search.enumeration",
    "FrontierPoint": "sim.search.pareto",
    "ideal_point": "sim.search.exact",
    "InfeasibleMILP": "sim.search.milp",
    "is_pareto_optimal": "sim.search.pareto",
    "OBJECTIVES": "sim.search.exact",
    "optimise": "sim.search.exact",
    "pareto_frontier": "sim.search.exact",
    "SearchCache": "sim.search.exact",
    "SearchResult": "sim.search.exact",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
