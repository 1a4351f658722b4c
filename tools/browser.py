"""A dashboard in a real browser, for the browser tests and the docs' screenshots: Debian's Chromium, a free port, one launcher.

Used by the browser tests (`tests/dashboards/test_dashboard_browser.py`) and the docs' screenshots
(`tools/screenshots.py`), so both start the dashboard the same way.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGES = ["Runs", "Scenario", "Negotiation", "Outcomes", "Compare", "Proposal lab", "What if", "Play a stakeholder",
         "Attribution", "Repeated", "Survey"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_dashboard(runs: Path, env: dict | None = None, cwd: Path | None = None,
                    timeout: float = 120.0) -> tuple[subprocess.Popen, str]:
    """`negsim dashboard --runs RUNS` on a free port; (process, url) once it answers its health check.

    The caller stops the process (terminate, then wait). Raises RuntimeError with the dashboard's
    output if it does not answer within `timeout` seconds (the process is killed first).
    """
    port = free_port()
    log = tempfile.TemporaryFile(mode="w+")          # a file, not a pipe: a pipe nobody reads fills and blocks
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli.commands", "dashboard", "--runs", str(runs),
                             "--port", str(port)], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    proc.wait(timeout=10)
    log.seek(0)
    raise RuntimeError("negsim dashboard did not start: " + log.read().strip()[-2000:])
