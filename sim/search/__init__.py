"""Exact search over packages: enumeration, MILP (HiGHS), objectives, the Pareto frontier."""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "best_for_group": "sim.search.exact",
    "cached": "sim.search.exact",
    "dominating_package": "sim.search.exact",
    "enumerate_feasible": "sim.search.exact",
    "feasible_table": "sim.search.exact",
    "FrontierPoint": "sim.search.exact",
    "ideal_point": "sim.search.exact",
    "InfeasibleMILP": "sim.search.milp",
    "is_pareto_optimal": "sim.search.exact",
    "OBJECTIVES": "sim.search.exact",
    "optimise": "sim.search.exact",
    "pareto_frontier": "sim.search.exact",
    "SearchCache": "sim.search.exact",
    "SearchResult": "sim.search.exact",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
