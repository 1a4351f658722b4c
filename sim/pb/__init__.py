"""Participatory budgeting: Pabulib import, voter segments, comparison with the pabutools rules."""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "Grouping": "sim.pb.segments",
    "import_pabulib": "sim.pb.pabulib",
    "ImportResult": "sim.pb.pabulib",
    "load_election": "sim.pb.pabulib",
    "PabulibError": "sim.pb.pabulib",
    "pb_report": "sim.pb.compare",
    "PBReport": "sim.pb.compare",
    "segment_voters": "sim.pb.segments",
    "SegmentError": "sim.pb.segments",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
