"""Plotly figures for the dashboard (pure functions of data frames, testable without Streamlit).

Design colours come from `sim.report.svg.design_colors`, shared with the printable report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from sim.analysis.labels import labels_for
from sim.core.metrics import gini, lorenz_curve
from sim.report.svg import PALETTE, design_colors

HEIGHT = 420
DASHES = ("solid", "dash", "longdash")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star", "hexagon")


def _criteria(scenario) -> list[str]:
    """Criterion labels in file order (the one label source)."""
    names = labels_for(scenario)
    return [names.criterion(c.id) for c in scenario.criteria]


def _symmetric(z) -> float:
    return float(np.nanmax(np.abs(np.asarray(z, dtype=float)))) or 1.0


def rubric_heatmap(scenario) -> go.Figure:
    """Items x criteria effect scores."""
    crit = [c.id for c in scenario.criteria]
    z = [[item.effects.get(c, 0.0) for c in crit] for item in scenario.items]
    top = _symmetric(z)
    fig = px.imshow(z, x=_criteria(scenario), y=[i.label or i.id for i in scenario.items], color_continuous_scale="RdBu",
                    zmin=-top, zmax=top, aspect="auto", text_auto=".0f", labels={"color": "effect"})
    fig.update_layout(height=max(HEIGHT, 26 * len(scenario.items) + 120),
                      title="Rubric: public effect of each item on each criterion (red: harm)")
    return fig


def group_value_heatmap(scenario, values: np.ndarray) -> go.Figure:
    """Value of each item to each group (weights x effects, group-specific effects included); red = harm."""
    z = np.asarray(values, dtype=float).T                          # items x groups
    top = _symmetric(z)
    fig = px.imshow(z, x=[g.label or g.id for g in scenario.groups], y=[i.label or i.id for i in scenario.items],
                    color_continuous_scale="RdBu", zmin=-top, zmax=top, aspect="auto", text_auto=".2f",
                    labels={"color": "value"})
    fig.update_layout(height=max(HEIGHT, 26 * len(scenario.items) + 160),
                      title="What each item is worth to each group (group-specific effects included; red: a loss)")
    return fig


def value_profiles(scenario) -> go.Figure:
    """Each group's criterion weights (normalised to sum 1 per group) as a heatmap."""
    crit = [c.id for c in scenario.criteria]
    z = []
    for g in scenario.groups:
        total = sum(g.weights.values()) or 1.0
        z.append([g.weights.get(c, 0.0) / total for c in crit])
    fig = px.imshow(z, x=_criteria(scenario), y=[g.label or g.id for g in scenario.groups], color_continuous_scale="Blues",
                    aspect="auto", text_auto=".2f", labels={"color": "weight"})
    fig.update_layout(height=max(HEIGHT, 40 * len(scenario.groups) + 160),
                      title="Value profiles: each group's weights (sum to 1 per group)")
    return fig


def item_costs(scenario) -> go.Figure:
    """Item costs, sorted, with the budget as a line."""
    frame = pd.DataFrame({"item": [i.label or i.id for i in scenario.items], "cost": [i.cost for i in scenario.items]})
    frame = frame.sort_values("cost", ascending=True)
    fig = px.bar(frame, y="item", x="cost", orientation="h", color_discrete_sequence=[PALETTE[0]],
                 title=f"Item costs (the budget is {scenario.currency} {scenario.budget:,.0f})")
    fig.update_layout(height=max(HEIGHT, 24 * len(frame) + 120), xaxis_tickformat=",.0f",
                      xaxis_title=f"cost ({scenario.currency})")
    return fig


def rounds_chart(series: pd.DataFrame) -> go.Figure:
    """Each group's utility of the draft (solid) and its reservation level (dotted) by round, one legend entry per group."""
    fig = go.Figure()
    for i, (name, part) in enumerate(series.groupby("group", sort=False)):
        color, dash = PALETTE[i % len(PALETTE)], DASHES[(i // len(PALETTE)) % len(DASHES)]
        fig.add_scatter(x=part["round"], y=part["utility"], name=name, legendgroup=name, mode="lines+markers",
                        line={"color": color, "dash": dash}, marker={"symbol": SYMBOLS[i % len(SYMBOLS)]})
        if part["reservation"].notna().any():
            fig.add_scatter(x=part["round"], y=part["reservation"], name=f"{name} (asked for)", legendgroup=name,
                            showlegend=False, mode="lines", line={"color": color, "dash": "dot", "width": 1})
    fig.update_layout(height=HEIGHT + 140, title="Utility of the draft (solid) and utility asked for (dotted) per round",
                      xaxis_title="round", yaxis_title="utility (points)",
                      legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0})
    rounds = sorted(series["round"].dropna().unique()) if not series.empty else [1]
    fig.update_xaxes(tickmode="linear", dtick=1, range=[min(rounds) - 0.5, max(rounds) + 0.5])
    return fig


def cost_chart(costs: pd.DataFrame, budget: float, currency: str = "CAD") -> go.Figure:
    """Bars of each round's draft cost, with the budget as a dashed line."""
    fig = px.bar(costs, x="round", y="cost", title="Draft cost per round", color_discrete_sequence=[PALETTE[0]])
    fig.add_hline(y=budget, line_dash="dash", annotation_text=f"budget {currency} {budget:,.0f}")
    fig.update_layout(height=320, yaxis_tickformat=",.0f", yaxis_title=f"cost ({currency})")
    fig.update_xaxes(tickmode="linear", dtick=1)
    return fig


def group_bars(table: pd.DataFrame, title: str = "Utility per group: negotiated package vs base designs") -> go.Figure:
    """Per-group utilities of every design side by side."""
    frame = table.reset_index(names="group").melt(id_vars="group", var_name="design", value_name="utility")
    fig = px.bar(frame, x="group", y="utility", color="design", barmode="group",
                 color_discrete_map=design_colors(table.columns),
                 title=title,
                 labels={"utility": "utility (points)", "group": "", "design": ""})
    fig.update_layout(height=HEIGHT + 60, legend={"orientation": "h", "yanchor": "top", "y": -0.35, "x": 0})
    return fig


def lorenz_chart(designs: dict[str, list[float]]) -> go.Figure:
    """Lorenz curves of group utilities, with each design's Gini in the legend."""
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], name="equality", mode="lines", line={"dash": "dash", "color": "grey"})
    colors = design_colors(designs)
    for name, u in designs.items():
        u = np.asarray(u, dtype=float)
        pop, share = lorenz_curve(u)
        g = gini(u)
        label = f"{name} (Gini {g:.3f})" if g is not None else f"{name} (Gini undefined)"
        fig.add_scatter(x=pop, y=share, name=label, mode="lines+markers", line={"color": colors[name]})
    fig.update_layout(height=HEIGHT, title="Lorenz curves of group utilities",
                      xaxis_title="share of groups (poorest first)", yaxis_title="share of utility")
    return fig


def frontier_chart(frontier: pd.DataFrame, designs: dict[str, tuple[float, float]]) -> go.Figure:
    """The (total, worst_group) Pareto frontier with each design plotted on it."""
    fig = go.Figure()
    fig.add_scatter(x=frontier["total"], y=frontier["worst_group"], name="Pareto frontier",
                    mode="lines+markers", customdata=frontier["package"],
                    hovertemplate="total %{x:.2f}, worst %{y:.2f}<br>%{customdata}<extra></extra>",
                    line={"color": "black"}, marker={"size": 14, "symbol": "diamond-open"})
    colors = design_colors(designs)
    for name, (total, worst) in designs.items():
        fig.add_scatter(x=[total], y=[worst], name=name, mode="markers", marker={"size": 12, "color": colors[name]})
    fig.update_layout(title=f"Pareto frontier of (total, worst group): {len(frontier)} point(s), and the designs",
                      xaxis_title="total", yaxis_title="worst group")
    fig.update_layout(height=HEIGHT)
    return fig


def top_players(frame: pd.DataFrame, top: int = 12) -> pd.DataFrame:
    """The `top` players by largest |value| over the metrics; the rest summed per metric as 'others (n)'."""
    strength = frame.assign(size=frame["value"].abs()).groupby("player", sort=False)["size"].max()
    keep = list(strength.sort_values(ascending=False, kind="stable").index[:top])
    head = frame[frame["player"].isin(keep)]
    rest = frame[~frame["player"].isin(keep)]
    if rest.empty:
        return head
    n = rest["player"].nunique()
    others = rest.groupby("metric", sort=False, as_index=False)["value"].sum().assign(player=f"others ({n})")
    return pd.concat([head, others], ignore_index=True)


def attribution_chart(frame: pd.DataFrame, title: str, top: int = 12) -> go.Figure:
    """Shapley values per player as horizontal bars, top-N with the rest as 'others', sized to its bars."""
    shown = top_players(frame, top)
    err = shown["stderr"] if "stderr" in shown and shown["stderr"].notna().any() else None
    single = "metric" not in shown or frame.groupby("player")["metric"].nunique().max() == 1
    mode = "relative" if single else "group"      # one metric per player (criteria by group): stacked
    fig = px.bar(shown, y="player", x="value", error_x=err, orientation="h", barmode=mode, title=title,
                 color="metric" if "metric" in shown else None, color_discrete_sequence=PALETTE,
                 labels={"value": "Shapley value (utility points)", "player": "", "metric": ""})
    rows = shown["player"].nunique() * (1 if single else shown["metric"].nunique())
    fig.update_layout(height=max(320, 22 * rows + 160), yaxis={"autorange": "reversed"},
                      legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0})
    return fig


def periods_chart(frame: pd.DataFrame) -> go.Figure:
    """Budget cycles: total utility and worst-group utility per period on separate axes."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=("Total utility per period", "Worst-group utility per period"))
    for row, cols in ((1, ("total",)), (2, ("worst_group", "cum_worst_group"))):
        for col in cols:
            if col in frame:
                name = {"cum_worst_group": "cumulative worst group"}.get(col, col.replace("_", " "))
                fig.add_scatter(x=frame["period"], y=frame[col], name=name, mode="lines+markers", row=row, col=1)
    fig.update_xaxes(tickmode="linear", dtick=1, title_text="period", row=2, col=1)
    fig.update_layout(height=HEIGHT + 200, title="Budget cycles")
    return fig
