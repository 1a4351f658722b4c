"""The printable run report (HTML), its SVG charts and the evaluation's JSON shape, shared by the CLI and the dashboard."""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "Series": "sim.report.svg",
    "design_colors": "sim.report.svg",
    "evaluation_dict": "sim.report.evaluation",
    "report_html": "sim.report.html",
    "svg_chart": "sim.report.svg",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
