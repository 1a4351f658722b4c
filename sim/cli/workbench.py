"""The planner's workbench on the command line: `negsim report-run` and `negsim rerun`."""

from __future__ import annotations

from pathlib import Path

import typer

from sim.cli.common import fail
from sim.core.files import strict_json

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def _check_run(run_dir: Path) -> None:
    for name in ("summary.json", "transcript.jsonl", "scenario.yaml"):
        if not (run_dir / name).is_file():
            fail(f"{run_dir}: {name}: not a run folder (the file is missing); "
                 f"fix: pass a folder written by `negsim run --out DIR`")


def html_to_pdf(html: str, out: Path, chromium: Path = CHROMIUM) -> None:
    """Print the HTML to an A4 PDF with Debian's Chromium through Playwright; one-line errors when missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        fail("--format pdf: playwright is not installed; fix: pip install 'negsim[report]' (or use --format html)")
    if not chromium.exists():
        fail(f"--format pdf: {chromium} not found; fix: sudo apt-get install -y chromium (or use --format html)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            pdf = page.pdf(format="A4", print_background=True,
                           margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"})
        finally:
            browser.close()
    from sim.core.records import atomic_write_bytes

    atomic_write_bytes(out, pdf)


def report_run(run_dir: Path = typer.Argument(..., help="a run folder written by `negsim run`"),
               fmt: str = typer.Option("html", "--format", help="html (one self-contained file) or pdf"),
               out: Path = typer.Option(None, "--out", help="output file (default RUN_DIR/report.html|pdf)")) -> None:
    """A printable report of a run: decision, metrics, per-group table, charts, highlights, sources."""
    from sim.core.errors import NegsimError
    from sim.core.records import atomic_write
    from sim.report.html import report_html

    if fmt not in ("html", "pdf"):
        fail(f"--format: unknown format '{fmt}'; fix: use html or pdf")
    _check_run(run_dir)
    out = out or run_dir / f"report.{fmt}"
    try:
        html = report_html(run_dir)
    except (NegsimError, ValueError, KeyError) as err:
        fail(f"{run_dir}: cannot read the run ({err}); fix: re-run `negsim run` to rewrite the folder")
    if fmt == "html":
        atomic_write(out, html)
    else:
        html_to_pdf(html, out)
    typer.echo(f"wrote {out}")


def rerun(run_dir: Path = typer.Argument(..., help="the parent run folder"),
          at: int = typer.Option(..., "--at", help="0-based line of transcript.jsonl to edit"),
          move: str = typer.Option(..., "--move", help='the new move as a transcript row, e.g. '
                                   '\'{"kind": "object", "amendments": ["add:benches"], "reason": "..."}\''),
          out: Path = typer.Option(..., "--out", help="folder of the new run")) -> None:
    """Counterfactual rerun: the parent run with one move edited, same seeds, from that turn on."""
    from sim.core.records import write_run
    from sim.run.rerun import RerunError, load_parent, rerun_from

    _check_run(run_dir)
    if out.exists():
        fail(f"--out: {out} already exists; fix: pick a new folder")
    try:
        row = strict_json(move)
    except ValueError as err:
        fail(f"--move: not valid JSON ({' '.join(str(err).split())[:80]}); fix: pass one transcript row as a JSON object")
    try:
        result, extra = rerun_from(load_parent(run_dir), at, row)
    except RerunError as err:
        fail(str(err))
    summary = write_run(result, out, extra=extra)
    before = extra["parent_summary"]
    typer.echo(f"{'agreement' if summary['agreement'] else 'no agreement'} after {summary['rounds']} rounds "
               f"(parent: {'agreement' if before['agreement'] else 'no agreement'} after {before['rounds']}); "
               f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add `negsim report-run` and `negsim rerun` to the CLI app."""
    app.command("report-run")(report_run)
    app.command()(rerun)
