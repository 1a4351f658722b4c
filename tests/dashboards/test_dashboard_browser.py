"""The dashboard in a real headless Chromium: `negsim dashboard` on a free port, every page, the lab.

Needs Debian's chromium (apt-get install chromium chromium-driver) and pip's playwright
(no downloaded browsers). Screenshots go to $NEGSIM_SCREENSHOTS or a temporary folder.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
PAGES = ["Runs", "Scenario", "Negotiation", "Outcomes", "Proposal lab", "Attribution", "Repeated"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium chromium-driver)")
    pytest.importorskip("playwright")
    runs = tmp_path_factory.mktemp("runs")
    subprocess.run([sys.executable, "-m", "sim.cli.commands", "run", "scenarios/montreal_streets.yaml",
                    "--out", str(runs / "montreal"), "--quiet"], cwd=ROOT, check=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli.commands", "dashboard", "--runs", str(runs),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("negsim dashboard did not start: " + (proc.stdout.read() if proc.stdout else ""))
    yield url, runs
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 3000})
        tab.set_default_timeout(60_000)
        yield tab
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("NEGSIM_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def settle(tab) -> None:
    """Wait until Streamlit has finished running the script."""
    tab.wait_for_timeout(300)
    tab.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=60_000)
    tab.wait_for_timeout(300)


def go(tab, name: str) -> None:
    tab.locator("[data-testid='stSidebar'] label").filter(has_text=name).first.click()
    tab.locator("[data-testid='stMain'] h2").filter(has_text=name.split()[0]).first.wait_for()
    settle(tab)


def test_every_page_renders(server, page, shots):
    url, _ = server
    page.goto(url)
    page.wait_for_selector("text=Runs")
    settle(page)
    expected = {"Runs": "Open run", "Scenario": "Edit and download", "Negotiation": "Round",
                "Outcomes": "Metrics", "Proposal lab": "Tick items", "Attribution": "negsim explain",
                "Repeated": "periods.csv"}
    for name in PAGES:
        go(page, name)
        page.locator("[data-testid='stMain']").get_by_text(expected[name]).first.wait_for()
        body = page.inner_text("[data-testid='stMain']")
        assert expected[name] in body, f"{name}: {body[:300]}"
        assert "Traceback" not in body
        if name in ("Runs", "Attribution", "Repeated", "Proposal lab"):
            pass
        else:                                   # chart pages: plotly really drew something
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
            page.wait_for_timeout(800)
        page.screenshot(path=str(shots / f"{PAGES.index(name)}-{name.replace(' ', '_').lower()}.png"))


def test_proposal_lab_click_through(server, page, shots):
    url, runs = server
    page.goto(url)
    settle(page)
    go(page, "Proposal lab")
    page.get_by_role("button", name="Load base: city_standard").click()
    settle(page)
    page.get_by_text("cost 1,180,000 of 1,200,000").first.wait_for()
    page.get_by_text("35,000 · Permanent rainbow crosswalk").click()          # 35,000 more: over budget
    settle(page)
    page.get_by_text("Infeasible: cost 1,215,000 exceeds the budget").first.wait_for()
    page.get_by_text("35,000 · Permanent rainbow crosswalk").click()
    settle(page)
    page.get_by_role("button", name="Run a negotiation from this proposal").click()
    page.wait_for_selector("text=now the open run", timeout=120_000)
    settle(page)
    page.screenshot(path=str(shots / "7-lab-after-run.png"))
    assert any(p.name.startswith("lab-montreal_streets-") for p in runs.iterdir())
    go(page, "Runs")
    page.get_by_text("lab-montreal_streets-").first.wait_for(state="attached")   # canvas grid cell
