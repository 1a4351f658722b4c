"""negsim dashboard: `negsim dashboard [--runs DIR]` or `streamlit run dashboards/app.py`.

The runs folder comes from the NEGSIM_RUNS environment variable (default `runs`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:          # `streamlit run dashboards/app.py` from a checkout
    sys.path.insert(0, str(ROOT))

from dashboards import lab, pages, survey  # noqa: E402

PAGES = {
    "Runs": pages.runs_page,
    "Scenario": pages.scenario_page,
    "Negotiation": pages.negotiation_page,
    "Outcomes": pages.outcomes_page,
    "Proposal lab": lab.lab_page,
    "Attribution": lab.attribution_page,
    "Repeated": lab.repeated_page,
    "Survey": survey.survey_page,
}


def main() -> None:
    st.set_page_config(page_title="negsim", page_icon="⚖️", layout="wide")
    root = Path(os.environ.get("NEGSIM_RUNS", "runs"))
    st.sidebar.title("negsim")
    st.sidebar.caption(f"runs folder: `{root}`")
    page = st.sidebar.radio("Page", list(PAGES), key="page")
    PAGES[page](root)


main()
