"""Labelled exports of a run: the outcomes, the per-group utilities and the package, as CSV or one Excel file.

Every table is in the planner's words (sim.analysis.labels): designs, groups, items and metric
names with units; money in the scenario's currency. openpyxl (extra `dashboard`) writes the
Excel workbook and is imported only there.
"""

from __future__ import annotations

import io

import pandas as pd

from sim.analysis.labels import NEGOTIATED, Labels, labels_for
from sim.core.scenario import Scenario

__all__ = ["export_csv", "export_tables", "export_xlsx"]

METRICS = ("total", "worst_group", "worst_group_id", "p20", "gini", "nash_welfare")


def _designs(summary: dict) -> dict[str, dict]:
    neg = {"metrics": summary.get("metrics") or {}, "per_group": summary.get("per_group") or {},
           "cost": summary.get("cost"), "package": summary.get("package") or []}
    return {NEGOTIATED: neg, **(summary.get("baselines") or {})}


def _outcomes(designs: dict[str, dict], labels: Labels) -> pd.DataFrame:
    rows = []
    for name, d in designs.items():
        m = d.get("metrics") or {}
        row = {"design": labels.design(name), f"cost ({labels.currency})": d.get("cost")}
        for key in METRICS:
            value = m.get(key)
            row[labels.metric(key)] = labels.group(value) if key == "worst_group_id" and value else value
        rows.append(row)
    return pd.DataFrame(rows)


def export_tables(summary: dict, scenario: Scenario) -> dict[str, pd.DataFrame]:
    """The three labelled tables of a run: 'Outcomes', 'Utility per group', 'Package'."""
    labels, designs = labels_for(scenario), _designs(summary)
    utilities = pd.DataFrame({"group": [labels.group(g) for g in scenario.group_ids],
                              **{f"{labels.design(n)} (points)": [(d.get("per_group") or {}).get(g)
                                                                  for g in scenario.group_ids]
                                 for n, d in designs.items()}})
    package = pd.DataFrame({"item": [labels.item(i.id) for i in scenario.items],
                            f"cost ({labels.currency})": [i.cost for i in scenario.items],
                            **{f"in {labels.design(n)}": ["yes" if i.id in (d.get("package") or []) else "no"
                                                          for i in scenario.items] for n, d in designs.items()}})
    return {"Outcomes": _outcomes(designs, labels), "Utility per group": utilities, "Package": package}


def export_csv(table: pd.DataFrame) -> str:
    """One table as CSV text (UTF-8, labels as headers)."""
    return table.to_csv(index=False)


def export_xlsx(tables: dict[str, pd.DataFrame]) -> bytes:
    """All tables as one Excel workbook, a sheet each (openpyxl)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in tables.items():
            table.to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()
