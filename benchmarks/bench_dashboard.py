"""Dashboard responsiveness: app open time and page switches with a 1,000-row transcript.

Measures with Streamlit's AppTest (script run time, no browser) and, when Debian's
chromium and playwright are installed, in a real headless browser against
`negsim dashboard` (time until the page's text is on screen).

Usage: python benchmarks/bench_dashboard.py
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # this checkout\'s packages, not an install elsewhere
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def make_runs(root: Path) -> None:
    """A default run, and one whose transcript is stretched to 1,000+ entries."""
    for name in ("montreal", "long"):
        subprocess.run([sys.executable, "-m", "sim.cli.commands", "run", "scenarios/montreal_streets.yaml",
                        "--out", str(root / name), "--quiet"], cwd=ROOT, check=True, capture_output=True)
    path = root / "long" / "transcript.jsonl"
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    body = [e for e in entries if e["round"] >= 1]
    out, shift = list(entries), max(e["round"] for e in entries)
    while len(out) < 1000:
        out += [dict(e, round=e["round"] + shift) for e in body]
        shift += max(e["round"] for e in body)
    path.write_text("\n".join(json.dumps(e) for e in out) + "\n")
    print(f"long transcript: {len(out)} entries, {max(e['round'] for e in out)} rounds")


def apptest(root: Path) -> None:
    from streamlit.testing.v1 import AppTest

    os.environ["NEGSIM_RUNS"] = str(root)
    at = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=120)
    start = time.perf_counter()
    at.run()
    print(f"AppTest: first run of the app (Runs page) {time.perf_counter() - start:.2f} s")
    at.selectbox(key="runs_open").set_value("long").run()
    times = {}
    for page in ("Negotiation", "Outcomes", "Negotiation", "Runs", "Negotiation"):
        start = time.perf_counter()
        at.sidebar.radio(key="page").set_value(page).run()
        times.setdefault(page, []).append(time.perf_counter() - start)
    start = time.perf_counter()
    at.slider(key="round").set_value(60).run()
    slider = time.perf_counter() - start
    for page, ts in times.items():
        print(f"AppTest: switch to {page} (1,000-row transcript): median {statistics.median(ts):.2f} s "
              f"over {len(ts)}")
    print(f"AppTest: move the round slider: {slider:.2f} s")


def browser(root: Path) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("browser: playwright not installed, skipped")
        return
    if not Path("/usr/bin/chromium").exists():
        print("browser: /usr/bin/chromium not installed, skipped")
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli.commands", "dashboard", "--runs", str(root), "--port",
                             str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            tab = b.new_page(viewport={"width": 1400, "height": 1600})
            served = time.perf_counter()
            tab.goto(url)
            tab.get_by_text("Open run").first.wait_for(timeout=60_000)
            done = time.perf_counter()
            print(f"browser: `negsim dashboard` start to Runs page on screen: {done - start:.2f} s "
                  f"(server up {served - start:.2f} s, page load {done - served:.2f} s)")
            tab.get_by_text("long").first.wait_for(state="attached")     # the open run (newest, then by name)
            for page, marker in (("Negotiation", "Round 1"), ("Outcomes", "Metrics"), ("Negotiation", "Round 1")):
                t = time.perf_counter()
                tab.locator("[data-testid='stSidebar'] label").filter(has_text=page).first.click()
                tab.get_by_text(marker).first.wait_for(timeout=60_000)
                print(f"browser: switch to {page} until its text shows: {time.perf_counter() - t:.2f} s")
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_runs(root)
        apptest(root)
        browser(root)


if __name__ == "__main__":
    main()
