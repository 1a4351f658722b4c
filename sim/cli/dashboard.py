"""`negsim dashboard`: start the Streamlit app on a local port (extra `dashboard`)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import typer

from sim.cli.common import fail


def dashboard(runs: Path = typer.Option(Path("runs"), "--runs", help="folder of run and sweep folders"),
              port: int = typer.Option(8501, "--port", min=1, max=65535, help="local port"),
              host: str = typer.Option("127.0.0.1", "--host", help="address to bind (default: this machine only)")) -> None:
    """Explore runs, watch a negotiation, and test proposals in the browser."""
    if importlib.util.find_spec("streamlit") is None or importlib.util.find_spec("plotly") is None:
        fail("negsim dashboard: streamlit and plotly are not installed; fix: pip install 'negsim[dashboard]'")
    app = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
    if not app.is_file():
        fail(f"{app}: (file): the dashboard app is missing; fix: reinstall negsim from a full checkout")
    env = dict(os.environ, NEGSIM_RUNS=str(runs.resolve()))
    typer.echo(f"negsim dashboard on http://{host}:{port} (runs: {runs}); Ctrl-C stops it")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
           "--server.address", host, "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
           "--client.toolbarMode", "minimal",          # no Deploy button
           "--server.maxUploadSize", "1"]               # MB: the uploader says 1MB, as the scenario check does
    sys.stdout.flush()
    os.execve(sys.executable, cmd, env)      # streamlit replaces this process: signals reach it


def register(app: typer.Typer) -> None:
    """Add `negsim dashboard` to the CLI app."""
    app.command()(dashboard)
