"""Labelled exports: the Excel workbook reads back (openpyxl) equal to the run's numbers, in labels only."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.labels import labels_for
from sim.core.records import write_run
from sim.core.scenario import load_scenario
from sim.core.summary import load_run
from sim.report.export import export_csv, export_tables, export_xlsx
from sim.run.runner import RunConfig, run_negotiation

MONTREAL = Path(__file__).resolve().parents[2] / "scenarios" / "montreal_streets.yaml"


def test_excel_and_csv_exports_hold_the_run_in_labels(tmp_path):
    pytest.importorskip("openpyxl")
    write_run(run_negotiation(load_scenario(MONTREAL), RunConfig()), tmp_path / "r", str(MONTREAL))
    run = load_run(tmp_path / "r")
    labels = labels_for(run.scenario)
    tables = export_tables(run.summary, run.scenario)
    book = pd.read_excel(io.BytesIO(export_xlsx(tables)), sheet_name=None, engine="openpyxl")
    assert list(book) == ["Outcomes", "Utility per group", "Package"]
    utilities = book["Utility per group"].set_index("group")
    for gid, u in run.summary["per_group"].items():
        assert utilities.loc[labels.group(gid), "Negotiated package (points)"] == pytest.approx(u)
    package = book["Package"].set_index("item")
    funded = {labels.item(i) for i in run.summary["package"]}
    assert set(package.index[package["in Negotiated package"] == "yes"]) == funded
    outcomes = book["Outcomes"].set_index("design")
    assert outcomes.loc["Main street", labels.metric("gini")] == pytest.approx(
        run.summary["baselines"]["main_street"]["metrics"]["gini"])
    text = " ".join(export_csv(t) for t in tables.values())
    assert not [i for i in labels.raw_ids() if i in text]
    assert pd.read_csv(io.StringIO(export_csv(tables["Package"]))).shape == tables["Package"].shape
