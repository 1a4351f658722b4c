"""Screenshots of every dashboard page at 1400 px and 800 px, for docs/screenshots/ (and the browser test).

    python tools/screenshots.py [--scenario scenarios/montreal_streets.yaml] [--out docs/screenshots]

Makes two runs of the scenario in a temporary runs folder, starts `negsim dashboard` on a free
port, opens every page with the first run open (headless Debian Chromium through Playwright, a
tall viewport rather than full_page) and writes OUT/<width>/<nn>-<page>.png.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools.browser import CHROMIUM, FLAGS, PAGES, start_dashboard  # noqa: E402

WIDTHS = (1400, 800)
HEIGHT = 2600


def make_runs(scenario: Path, runs: Path) -> list[str]:
    """Two runs of the scenario (seeds 7 and 3) under `runs`; their folder names."""
    names = []
    for seed in ("7", "3"):
        name = f"{scenario.stem}-seed{seed}"
        subprocess.run([sys.executable, "-m", "sim.cli.commands", "run", str(scenario), "--out", str(runs / name),
                        "--seed", seed, "--quiet"], cwd=ROOT, check=True)
        names.append(name)
    return names


def settle(tab) -> None:
    """Wait until Streamlit has finished running the script, no element is a placeholder and plotly has drawn."""
    for _ in range(2):                      # a page may rerun once on its own (address, defaults)
        tab.wait_for_timeout(600)
        tab.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=180_000)
    tab.wait_for_function("() => !document.querySelector(\"[data-testid='stSkeleton'], [data-stale='true']\")",
                          timeout=180_000)
    tab.wait_for_timeout(1200)


def shoot(url: str, run: str, out: Path, compare: list[str]) -> list[Path]:
    """Every page at every width, the run open (Compare with `compare` picked); the files written."""
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for width in WIDTHS:
            tab = browser.new_page(viewport={"width": width, "height": HEIGHT})
            tab.set_default_timeout(180_000)
            (out / str(width)).mkdir(parents=True, exist_ok=True)
            for old in (out / str(width)).glob("*.png"):      # no stale page from an earlier page list
                old.unlink()
            for i, name in enumerate(PAGES):
                query = [("page", name), ("run", run)] + [("runs", r) for r in compare if name == "Compare"]
                tab.goto(f"{url}/?{urllib.parse.urlencode(query)}")
                tab.locator("[data-testid='stMain'] h2").first.wait_for()
                settle(tab)
                path = out / str(width) / f"{i:02d}-{name.replace(' ', '_').lower()}.png"
                tab.screenshot(path=str(path))
                written.append(path)
            tab.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> list[Path]:
    """Make the runs, start the dashboard, take the screenshots, stop the dashboard."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "montreal_streets.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp)
        names = make_runs(args.scenario.resolve(), runs)
        proc, url = start_dashboard(runs, cwd=ROOT)
        try:
            written = shoot(url, names[0], args.out, names)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    for path in written:
        print(path)
    return written


if __name__ == "__main__":
    main()
