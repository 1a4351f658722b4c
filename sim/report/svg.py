"""Small static SVG line and scatter charts for the printable report (no JavaScript, no plotting library)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

__all__ = ["PALETTE", "Series", "design_colors", "svg_chart"]

PALETTE = ("#0072B2", "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#D55E00", "#F0E442", "#000000")
# Okabe-Ito, safe for the common colour blindnesses; the negotiated package is always blue, a
# planner's proposal reddish purple, never red against green.
FIXED = {"negotiated": PALETTE[0], "Negotiated package": PALETTE[0], "proposal": PALETTE[4],
         "Your proposal": PALETTE[4]}


def design_colors(names) -> dict[str, str]:
    """One colour per design, the same on every chart: negotiated blue, proposal purple, base designs in order."""
    others = [c for c in PALETTE if c not in FIXED.values()]
    out, i = {}, 0
    for name in names:
        if name in FIXED:
            out[name] = FIXED[name]
        else:
            out[name] = others[i % len(others)]
            i += 1
    return out

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 470, 320, 58, 16, 30, 46
LEGEND_ROW = 16


@dataclass(frozen=True)
class Series:
    """One named series of (x, y) points drawn as a line, markers, or both."""

    name: str
    xs: list[float]
    ys: list[float]
    color: str = "#1f77b4"
    line: bool = True
    markers: bool = True
    dash: bool = False
    hollow: bool = False                  # markers as open circles (drawn larger, seen under others)
    labels: list[str] = field(default_factory=list)


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    step = (hi - lo) / n
    return [lo + i * step for i in range(n + 1)]


def _bounds(series: list[Series], axis: str) -> tuple[float, float]:
    values = [v for s in series for v in (s.xs if axis == "x" else s.ys)]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi - lo < 1e-12:
        lo, hi = lo - 1.0, hi + 1.0
    margin = 0.05 * (hi - lo)
    return lo - margin, hi + margin


def _tick_text(t: float, span: float) -> str:
    return f"{t:,.0f}" if span >= 50 else f"{t:.1f}" if span >= 5 else f"{t:.2f}"


def _axes(x0, x1, y0, y1, px, py, xlabel: str, ylabel: str) -> list[str]:
    out = [f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" stroke="#333"/>',
           f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{H - PAD_B}" stroke="#333"/>']
    for t in _ticks(x0, x1):
        out.append(f'<text x="{px(t):.1f}" y="{H - PAD_B + 14}" font-size="10" text-anchor="middle">'
                   f'{_tick_text(t, x1 - x0)}</text>')
    for t in _ticks(y0, y1):
        out.append(f'<text x="{PAD_L - 4}" y="{py(t) + 3:.1f}" font-size="10" text-anchor="end">'
                   f'{_tick_text(t, y1 - y0)}</text>')
        out.append(f'<line x1="{PAD_L}" y1="{py(t):.1f}" x2="{W - PAD_R}" y2="{py(t):.1f}" stroke="#eee"/>')
    out.append(f'<text x="{(PAD_L + W - PAD_R) / 2}" y="{H - 8}" font-size="11" text-anchor="middle">'
               f'{escape(xlabel)}</text>')
    out.append(f'<text x="14" y="{(PAD_T + H - PAD_B) / 2}" font-size="11" text-anchor="middle" '
               f'transform="rotate(-90 14 {(PAD_T + H - PAD_B) / 2})">{escape(ylabel)}</text>')
    return out


def _series(s: Series, px, py, legend_y: float) -> list[str]:
    pts = [(px(x), py(y)) for x, y in zip(s.xs, s.ys)]
    out = []
    if s.line and len(pts) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        dash = ' stroke-dasharray="5,4"' if s.dash else ""
        out.append(f'<polyline points="{path}" fill="none" stroke="{s.color}" stroke-width="2"{dash}/>')
    if s.markers:
        for i, (x, y) in enumerate(pts):
            tip = f"<title>{escape(s.labels[i])}</title>" if i < len(s.labels) else ""
            look = f'r="8" fill="none" stroke="{s.color}" stroke-width="2"' if s.hollow else f'r="4" fill="{s.color}"'
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" {look}>{tip}</circle>')
    lx = PAD_L
    out.append(f'<rect x="{lx}" y="{legend_y - 8}" width="10" height="10" fill="{s.color}"/>')
    out.append(f'<text x="{lx + 14}" y="{legend_y + 1}" font-size="10">{escape(s.name)}</text>')
    return out


def svg_chart(title: str, series: list[Series], xlabel: str, ylabel: str,
              xlim: tuple[float, float] | None = None, ylim: tuple[float, float] | None = None) -> str:
    """An inline SVG chart of the series with axes, ticks and a legend on the right."""
    x0, x1 = xlim or _bounds(series, "x")
    y0, y1 = ylim or _bounds(series, "y")

    def px(x: float) -> float:
        return PAD_L + (x - x0) / (x1 - x0) * (W - PAD_L - PAD_R)

    def py(y: float) -> float:
        return H - PAD_B - (y - y0) / (y1 - y0) * (H - PAD_T - PAD_B)
    total_h = H + LEGEND_ROW * len(series) + 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {total_h}" width="{W}" height="{total_h}" '
             f'role="img" aria-label="{escape(title)}">',
             f'<text x="{W / 2}" y="18" font-size="13" font-weight="bold" text-anchor="middle">{escape(title)}</text>']
    parts += _axes(x0, x1, y0, y1, px, py, xlabel, ylabel)
    for i, s in enumerate(series):
        parts += _series(s, px, py, H + 6 + LEGEND_ROW * i)
    parts.append("</svg>")
    return "\n".join(parts)
