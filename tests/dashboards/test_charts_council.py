"""Charts a council can read: attribution bars top-N with the rest as 'others', colours never red against green."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

pytest.importorskip("plotly")
from dashboards import charts  # noqa: E402
from sim.report.svg import PALETTE, design_colors  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(hs.lists(hs.tuples(hs.sampled_from("abcdefghijklmnop"), hs.sampled_from(["total", "worst"]),
                          hs.floats(-10, 10)), min_size=1, max_size=40, unique_by=lambda t: t[:2]),
       hs.integers(1, 8))
def test_top_players_keeps_the_largest_and_sums_the_rest(rows, top):
    frame = pd.DataFrame(rows, columns=["player", "metric", "value"])
    shown = charts.top_players(frame, top)
    kept = [p for p in shown["player"].unique() if not p.startswith("others")]
    assert len(kept) == min(top, frame["player"].nunique())
    size = frame.assign(s=frame["value"].abs()).groupby("player")["s"].max()
    assert size[kept].min() >= size.drop(kept).max() if len(size) > len(kept) else True
    for metric, part in frame.groupby("metric"):                     # nothing lost: totals per metric kept
        assert shown[shown["metric"] == metric]["value"].sum() == pytest.approx(part["value"].sum())


def test_attribution_chart_is_horizontal_and_sized_to_its_bars():
    frame = pd.DataFrame({"player": [f"p{i}" for i in range(30)], "metric": "total", "value": range(30)})
    fig = charts.attribution_chart(frame, "t", top=10)
    assert fig.data[0].orientation == "h" and len(fig.data[0].y) == 11            # 10 + others
    assert fig.layout.height >= 22 * 11 and fig.layout.xaxis.title.text == "Shapley value (utility points)"


def _hue(hex_colour: str) -> float:
    import colorsys

    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hsv(r, g, b)[0] * 360


def test_negotiated_is_never_drawn_red_or_green_against_a_design():
    colours = design_colors(["negotiated", "city_standard", "green_streets", "main_street"])
    hue = _hue(colours["negotiated"])
    assert not (hue < 20 or hue > 340) and not (90 < hue < 150)       # neither red nor green
    assert len(set(colours.values())) == 4 and set(colours.values()) <= set(PALETTE)
