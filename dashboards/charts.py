"""Plotly figures for the dashboard (pure functions of data frames, testable without Streamlit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from sim.core.metrics import gini, lorenz_curve

HEIGHT = 420


def rubric_heatmap(scenario) -> go.Figure:
    """Items x criteria effect scores."""
    crit = [c.id for c in scenario.criteria]
    z = [[item.effects.get(c, 0.0) for c in crit] for item in scenario.items]
    fig = px.imshow(z, x=crit, y=[i.id for i in scenario.items], color_continuous_scale="RdBu",
                    color_continuous_midpoint=0.0, aspect="auto", labels={"color": "effect"})
    fig.update_layout(height=max(HEIGHT, 24 * len(scenario.items)), title="Rubric: effect of each item on each criterion")
    return fig


def value_profiles(scenario) -> go.Figure:
    """Each group's criterion weights (normalised to sum 1 per group) as a heatmap."""
    crit = [c.id for c in scenario.criteria]
    z = []
    for g in scenario.groups:
        total = sum(g.weights.values()) or 1.0
        z.append([g.weights.get(c, 0.0) / total for c in crit])
    fig = px.imshow(z, x=crit, y=[g.id for g in scenario.groups], color_continuous_scale="Blues",
                    aspect="auto", text_auto=".2f", labels={"color": "weight"})
    fig.update_layout(height=max(HEIGHT, 40 * len(scenario.groups) + 160),
                      title="Value profiles: each group's weights (sum to 1 per group)")
    return fig


def item_costs(scenario) -> go.Figure:
    """Item costs, sorted, with the budget as a line."""
    frame = pd.DataFrame({"item": [i.id for i in scenario.items], "cost": [i.cost for i in scenario.items]})
    frame = frame.sort_values("cost", ascending=False)
    fig = px.bar(frame, x="item", y="cost", title=f"Item costs vs the budget ({scenario.budget:,.0f} {scenario.currency})")
    fig.add_hline(y=scenario.budget, line_dash="dash", annotation_text="budget")
    fig.update_layout(height=HEIGHT)
    return fig


def rounds_chart(series: pd.DataFrame) -> go.Figure:
    """Each group's utility of the draft (solid) and its reservation level (dotted) by round."""
    fig = go.Figure()
    for i, (gid, part) in enumerate(series.groupby("group", sort=False)):
        color = px.colors.qualitative.Plotly[i % 10]
        fig.add_scatter(x=part["round"], y=part["utility"], name=f"{gid} utility", mode="lines+markers",
                        line={"color": color})
        if part["reservation"].notna().any():
            fig.add_scatter(x=part["round"], y=part["reservation"], name=f"{gid} reservation",
                            mode="lines", line={"color": color, "dash": "dot"})
    fig.update_layout(height=HEIGHT + 140, title="Utility of the draft and reservation level per round",
                      xaxis_title="round", yaxis_title="utility",
                      legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0})
    return fig


def cost_chart(costs: pd.DataFrame, budget: float) -> go.Figure:
    """Bars of each round's draft cost, with the budget as a dashed line."""
    fig = px.bar(costs, x="round", y="cost", title="Draft cost per round")
    fig.add_hline(y=budget, line_dash="dash", annotation_text="budget")
    fig.update_layout(height=320)
    return fig


def group_bars(table: pd.DataFrame) -> go.Figure:
    """Per-group utilities of every design side by side."""
    frame = table.reset_index(names="group").melt(id_vars="group", var_name="design", value_name="utility")
    fig = px.bar(frame, x="group", y="utility", color="design", barmode="group",
                 title="Utility per group: negotiated package vs base designs")
    fig.update_layout(height=HEIGHT)
    return fig


def lorenz_chart(designs: dict[str, list[float]]) -> go.Figure:
    """Lorenz curves of group utilities, with each design's Gini in the legend."""
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], name="equality", mode="lines", line={"dash": "dash", "color": "grey"})
    for name, u in designs.items():
        u = np.asarray(u, dtype=float)
        pop, share = lorenz_curve(u)
        g = gini(u)
        label = f"{name} (Gini {g:.3f})" if g is not None else f"{name} (Gini undefined)"
        fig.add_scatter(x=pop, y=share, name=label, mode="lines+markers")
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
    for name, (total, worst) in designs.items():
        fig.add_scatter(x=[total], y=[worst], name=name, mode="markers", marker={"size": 11})
    fig.update_layout(title=f"Pareto frontier of (total, worst group): {len(frontier)} point(s), and the designs",
                      xaxis_title="total", yaxis_title="worst group")
    fig.update_layout(height=HEIGHT)
    return fig


def attribution_chart(frame: pd.DataFrame, title: str) -> go.Figure:
    """Shapley values per player (with standard errors when sampled)."""
    err = frame["stderr"] if "stderr" in frame and frame["stderr"].notna().any() else None
    fig = px.bar(frame, x="player", y="value", error_y=err, color="metric" if "metric" in frame else None,
                 barmode="group", title=title)
    fig.update_layout(height=HEIGHT)
    return fig


def periods_chart(frame: pd.DataFrame) -> go.Figure:
    """Total, worst-group and cumulative worst-group utility per budget-cycle period, as lines."""
    cols = [c for c in ("total", "worst_group", "cum_worst_group") if c in frame]
    fig = px.line(frame, x="period", y=cols, markers=True, title="Budget cycles: metrics per period")
    fig.update_layout(height=HEIGHT)
    return fig
