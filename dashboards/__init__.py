"""Streamlit dashboard for negsim runs, sweeps and a proposal lab (streamlit is imported only here)."""
