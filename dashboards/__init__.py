"""The Streamlit dashboard (`negsim dashboard`); reads run folders, starts runs through sim.run."""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "list_runs": "dashboards.data",
    "list_sweeps": "dashboards.data",
    "load_run_view": "dashboards.data",
    "RunView": "dashboards.data",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
