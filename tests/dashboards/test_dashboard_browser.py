"""The dashboard in a real headless Chromium: `negsim dashboard` on a free port, every page, the lab.

Needs Debian's chromium (apt-get install chromium chromium-driver) and pip's playwright
(no downloaded browsers). Screenshots go to $NEGSIM_SCREENSHOTS or a temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools.browser import CHROMIUM, FLAGS, PAGES, start_dashboard

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stand_in():
    """An OpenAI-compatible stand-in model for the LLM opponents (the embedded model takes over 10 minutes of
    CPU for one game on this shared machine): it accepts every draft, through the real LLM client path."""
    pytest.importorskip("langchain_openai")
    from tests.agents.openai_stand_in import Reply, StandIn

    with StandIn([Reply()]) as server:
        yield server


@pytest.fixture(scope="module")
def server(tmp_path_factory, stand_in):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium chromium-driver)")
    pytest.importorskip("playwright")
    runs = tmp_path_factory.mktemp("runs")
    for name, seed in (("montreal", "7"), ("montreal-seed3", "3")):
        subprocess.run([sys.executable, "-m", "sim.cli.commands", "run", "scenarios/montreal_streets.yaml",
                        "--out", str(runs / name), "--seed", seed, "--quiet"], cwd=ROOT, check=True)
    subprocess.run([sys.executable, "-m", "sim.cli.commands", "survey", "report",
                    "scenarios/surveys/montreal_survey_synthetic.csv", "--out", str(runs / "survey"),
                    "--permutations", "199"], cwd=ROOT, check=True, capture_output=True)
    env = dict(os.environ, NEGSIM_PLAY_LLM=f"openai-compatible:stand-in@{stand_in.url}")
    try:
        proc, url = start_dashboard(runs, env=env, cwd=ROOT)
    except RuntimeError as err:
        pytest.fail(str(err))
    yield url, runs
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 3000})
        tab.set_default_timeout(120_000)
        yield tab
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("NEGSIM_SCREENSHOTS", "/tmp/shots-15")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def settle(tab) -> None:
    """Wait until Streamlit has finished running the script."""
    tab.wait_for_timeout(300)
    tab.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120_000)
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
    expected = {"Runs": "Open run", "Scenario": "Where the groups disagree", "Negotiation": "Rerun from any turn",
                "Outcomes": "What was decided", "Compare": "Pick two or more runs", "Proposal lab": "Tick items",
                "What if": "Run the what-if",
                "Play a stakeholder": "Take the seat", "Attribution": "Compute the attributions",
                "Repeated": "Run budget cycles", "Survey": "Which groups differ most"}
    for name in PAGES:
        go(page, name)
        page.locator("[data-testid='stMain']").get_by_text(expected[name]).first.wait_for()
        body = page.inner_text("[data-testid='stMain']")
        assert expected[name] in body, f"{name}: {body[:300]}"
        assert "Traceback" not in body
        if name in ("Runs", "Attribution", "Repeated", "Proposal lab", "Compare", "Play a stakeholder", "What if"):
            pass
        else:                                   # chart pages: plotly really drew something
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)   # generous: plotly under load
            page.wait_for_timeout(800)
        page.screenshot(path=str(shots / f"{PAGES.index(name)}-{name.replace(' ', '_').lower()}.png"))
    assert page.locator("[data-testid='stAppDeployButton']").count() == 0          # toolbarMode minimal


def test_proposal_lab_click_through(server, page, shots):
    url, runs = server
    page.goto(url)
    settle(page)
    go(page, "Proposal lab")
    page.get_by_role("button", name="Load city design City standard").click()
    settle(page)
    page.get_by_text("cost CAD 1,180,000 of CAD 1,200,000").first.wait_for()
    page.get_by_text("35,000 · Permanent rainbow crosswalk").click()          # 35,000 more: over budget
    settle(page)
    page.get_by_text("Infeasible: cost 1,215,000 exceeds the budget").first.wait_for()
    bar = page.locator("[data-testid='lab-budget-bar']").first
    assert "rgb(213, 94, 0)" in bar.evaluate("e => getComputedStyle(e).backgroundColor")   # vermillion when over
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="Run a negotiation from this proposal")).to_be_disabled()  # until confirmed
    page.screenshot(path=str(shots / "7-lab-over-budget.png"))
    page.get_by_text("35,000 · Permanent rainbow crosswalk").click()
    settle(page)
    page.get_by_role("button", name="Run a negotiation from this proposal").click()
    page.wait_for_selector("text=now the open run", timeout=120_000)
    settle(page)
    page.screenshot(path=str(shots / "7-lab-after-run.png"))
    assert any(p.name.startswith("lab-montreal_streets-") for p in runs.iterdir())
    go(page, "Runs")
    page.get_by_text("lab-montreal_streets-").first.wait_for(state="attached")   # canvas grid cell


def test_compare_view_from_a_shared_url(server, page, shots):
    url, runs = server
    page.goto(f"{url}/?page=Compare&runs=montreal&runs=montreal-seed3")
    settle(page)
    page.get_by_text("Funded items (where the runs differ first)").first.wait_for()
    settle(page)
    # the funded-items table itself, headed by the run names: under load the settle above can return while
    # the tables are still being drawn (a fresh-clone CI once read the headers without them)
    tables = page.locator("[data-testid='stMain'] [data-testid='stTable']")
    tables.last.get_by_text("montreal-seed3").first.wait_for(timeout=120_000)
    body = page.inner_text("[data-testid='stMain']")
    assert "montreal-seed3" in body and "Utility per group" in body and "Funded items" in body
    page.screenshot(path=str(shots / "8-compare-from-url.png"))


def _pick(tab, label: str, option: str) -> None:
    """Choose `option` in the Streamlit selectbox labelled `label`."""
    box = tab.locator("[data-testid='stSelectbox']").filter(has_text=label).first
    box.click()
    tab.get_by_role("option", name=option).first.click()


@pytest.mark.parametrize("llm", [False, True],
                         ids=["rule-opponents", "rule-and-llm-opponents"])
def test_play_page_through_a_full_negotiation(server, page, shots, stand_in, llm):
    url, runs = server
    page.goto(url)
    settle(page)
    go(page, "Play a stakeholder")
    if llm:
        _pick(page, "People who cycle", "LLM (openai-compatible:stand-in")
    _pick(page, "Local merchants", "rule-based, conceding early")
    page.get_by_role("button", name="Take the seat").click()
    settle(page)
    page.get_by_text("Round 1 of 12").first.wait_for()
    for i in range(12):
        if i == 0:
            page.screenshot(path=str(shots / "9-play-round-1.png"))
        # this round's widgets by their keys (Streamlit's `st-key-` classes; the form's widgets are keyed by the
        # answers so far): under load a settle can return while the last round's form is still on screen, and a
        # Send on that stale form is dropped (a fresh-clone CI on 1cf16d7 waited 600 s for a round that never came)
        kind = page.locator(f".st-key-play_kind_{i}")
        kind.wait_for(timeout=600_000)
        kind.locator("label").filter(has_text="accept").first.click()
        page.locator(f".st-key-FormSubmitter-play_answer_{i}-Send button").click()
        page.wait_for_function(                      # the next round (or the end) is on screen, not a stale form
            f"() => /Round {i + 2} of 12|Saved as/.test(document.querySelector(\"[data-testid='stMain']\").innerText)",
            timeout=600_000)                         # generous: the LLM seat answers slowly on a loaded machine
        settle(page)
        if page.get_by_text("Saved as").count():
            break
    page.get_by_text("Saved as").first.wait_for()
    page.screenshot(path=str(shots / "9-play-finished.png"))
    seat = page.inner_text("[data-testid='stMain']").split("Saved as")[0]     # the folder's name may hold ids
    assert "Montreal streets: you speak for" in seat and "montreal_streets" not in seat
    folder = max((p for p in runs.iterdir() if p.name.startswith("play-montreal_streets-")), key=lambda p: p.name)
    import json

    agents = json.loads((folder / "summary.json").read_text())["agents"]
    assert agents["wheelchair_users"] == "human" and agents["cyclists"].startswith("llm") == llm
    assert agents["merchants"] == "heuristic:conceder" and agents["seniors"] == "heuristic"
    assert bool(stand_in.seen) or not llm                      # the LLM opponent really asked the model


def test_screenshot_script_writes_every_page_at_both_widths(tmp_path):
    """tools/screenshots.py (the docs' screenshots) on the small scenario."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    pytest.importorskip("playwright")
    done = subprocess.run([sys.executable, "tools/screenshots.py", "--scenario", "scenarios/tiny_example.yaml",
                           "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-2000:]
    for width in (1400, 800):
        files = sorted((tmp_path / str(width)).glob("*.png"))
        assert len(files) == len(PAGES) and all(f.stat().st_size > 10_000 for f in files)


def test_report_download(server, page, shots, tmp_path):
    url, _ = server
    page.goto(url)
    settle(page)
    go(page, "Runs")
    go(page, "Outcomes")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the report (HTML, printable)").click()
    saved = tmp_path / "report.html"
    info.value.save_as(saved)
    html = saved.read_text()
    assert "What was decided" in html and "Universal curb ramps at all 12 corners" in html
    page.goto(saved.as_uri())
    page.screenshot(path=str(shots / "10-report.png"))
