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

from dashboards import compare, extras, lab, negotiation, outcomes, pages, play, scenario_page, survey, whatif  # noqa: E402

ASSUMPTIONS = ("Effect scores, group weights and costs are assumptions written into the scenario file, "
               "not survey data: read every figure as what follows from them.")
PAGES = {
    "Runs": pages.runs_page,
    "Scenario": scenario_page.scenario_page,
    "Negotiation": negotiation.negotiation_page,
    "Outcomes": outcomes.outcomes_page,
    "Compare": compare.compare_page,
    "Proposal lab": lab.lab_page,
    "What if": whatif.whatif_page,
    "Play a stakeholder": play.play_page,
    "Attribution": extras.attribution_page,
    "Repeated": extras.repeated_page,
    "Survey": survey.survey_page,
}


def _from_url() -> None:
    """On a fresh session, open the page and run named in the address (?page=Compare&run=...)."""
    if "page" not in st.session_state and st.query_params.get("page") in PAGES:
        st.session_state["page"] = st.query_params["page"]
    if "run" not in st.session_state and st.query_params.get("run"):
        st.session_state["run"] = st.query_params["run"]


def main() -> None:
    """Set up the page, read the runs folder from NEGSIM_RUNS (default `runs`) and show the page picked in the sidebar."""
    st.set_page_config(page_title="negsim", page_icon="⚖️", layout="wide")
    root = Path(os.environ.get("NEGSIM_RUNS", "runs"))
    st.sidebar.title("negsim")
    st.sidebar.caption(f"runs folder: `{root}`")
    st.sidebar.caption(ASSUMPTIONS)
    _from_url()
    page = st.sidebar.radio("Page", list(PAGES), key="page")
    if page != "Compare" and "runs" in st.query_params:
        del st.query_params["runs"]
    st.query_params["page"] = page
    PAGES[page](root)
    if st.session_state.get("run"):
        st.query_params["run"] = st.session_state["run"]


main()
