"""`negsim report-run` (HTML and PDF) and `negsim rerun` through typer's runner."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.analysis.labels import labels_for
from sim.cli.commands import app
from sim.core.records import read_summary, read_transcript
from sim.core.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
MONTREAL = ROOT / "scenarios" / "montreal_streets.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "default"
    res = runner.invoke(app, ["run", str(MONTREAL), "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    return out


def _labels(summary: dict) -> list[str]:
    from sim.core.scenario import load_scenario

    items = {i.id: i.label for i in load_scenario(MONTREAL).items}
    return [items[i] for i in summary["package"]]


def _metric_cells(summary: dict) -> list[str]:
    return [f"{summary['metrics'][k]:.3f}" for k in ("total", "worst_group", "p20", "gini")]


def test_run_prints_the_decision_summary_first(tmp_path):
    res = runner.invoke(app, ["run", str(MONTREAL), "--out", str(tmp_path / "r")])
    summary = read_summary(tmp_path / "r")
    head = res.output.split("montreal_streets:")[0]
    assert head.startswith("Decision") and f"Agreement in round {summary['rounds']}" in head
    best = max(summary["baselines"], key=lambda name: summary["baselines"][name]["metrics"]["total"])
    flat = " ".join(head.split())
    assert best == "main_street" and "Against the city design Main street:" in flat
    assert all(label in flat for label in _labels(summary))


def test_html_report_holds_every_funded_label_and_the_four_metrics(run_dir, tmp_path):
    out = tmp_path / "report.html"
    res = runner.invoke(app, ["report-run", str(run_dir), "--format", "html", "--out", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text()
    summary = read_summary(run_dir)
    funded = re.search(r"<th>funded item</th>.*?</table>", html, re.S).group(0)
    assert re.findall(r"<tr><td>(.*?)</td>", funded) == _labels(summary)
    row = re.search(r"</span>Negotiated package</td>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)[:4] == _metric_cells(summary)
    assert not re.search(r"<script|<link|<img|src=|href=", html)       # self-contained: nothing fetched
    assert "<svg" in html and "Lorenz" in html and "Sources of the scenario" in html


@pytest.mark.browser
def test_pdf_report_opens_and_holds_the_funded_labels(run_dir, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium is not installed")
    out = tmp_path / "report.pdf"
    res = runner.invoke(app, ["report-run", str(run_dir), "--format", "pdf", "--out", str(out)])
    assert res.exit_code == 0, res.output
    reader = pypdf.PdfReader(out)
    text = unicodedata.normalize("NFKC", " ".join(p.extract_text() for p in reader.pages))
    text = " ".join(text.split())
    summary = read_summary(run_dir)
    assert all(label in text for label in _labels(summary))
    assert all(cell in text for cell in _metric_cells(summary))
    first = " ".join(unicodedata.normalize("NFKC", reader.pages[0].extract_text()).split())
    assert "are assumptions written into the scenario file" in first          # the caveat on page 1
    ids = labels_for(load_scenario(MONTREAL)).raw_ids()
    for number, pdf_page in enumerate(reader.pages, 1):                        # labels only, page by page
        words = unicodedata.normalize("NFKC", pdf_page.extract_text())
        raw = sorted(i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", words))
        assert not raw, f"page {number} shows raw ids {raw}"


def _last_accept(transcript: list[dict]) -> int:
    last = max(r["round"] for r in transcript)
    return next(i for i, r in enumerate(transcript) if r["round"] == last and r["kind"] == "accept")


@pytest.mark.parametrize("args, message", [
    (["--at", "100000", "--move", '{"kind": "accept"}'], "no such row"),
    (["--at", "-1", "--move", '{"kind": "accept"}'], "no such row"),
    (["--at", "0", "--move", '{"kind": "accept"}'], "not a move an agent made"),
    (["--at", "LAST", "--move", '{"kind": "object", "amendments": ["add:curb_ramps"]}'], "does not apply"),
    (["--at", "LAST", "--move", '{"kind": "object", "amendments": ["add:no_such_item"]}'], "unknown item id"),
    (["--at", "LAST", "--move", '{"kind": "draft", "package": []}'], "use kind accept or object"),
    (["--at", "LAST", "--move", '{"kind": "maybe"}'], "is not a move"),
    (["--at", "LAST", "--move", '{"kind": '], "not valid JSON"),
    (["--at", "LAST", "--move", '{"kind": "object", "amendments": ["grow:x"]}'], "bad amendment"),
    (["--at", "LAST", "--move", '[1, 2]'], "not a JSON object"),
])
def test_rerun_bad_row_or_illegal_move_is_one_line_exit_2_and_writes_nothing(run_dir, tmp_path, args, message):
    at = _last_accept(read_transcript(run_dir))
    args = [str(at) if a == "LAST" else a for a in args]
    out = tmp_path / "child"
    res = runner.invoke(app, ["rerun", str(run_dir), *args, "--out", str(out)])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "fix:" in lines[0], res.output
    assert not out.exists()


def test_rerun_records_parent_and_row_and_an_unchanged_move_reproduces_the_parent(run_dir, tmp_path):
    parent = read_transcript(run_dir)
    at = _last_accept(parent)
    same = {"kind": "accept", "reason": parent[at]["reason"], "reservation": parent[at]["reservation"]}
    res = runner.invoke(app, ["rerun", str(run_dir), "--at", str(at), "--move", json.dumps(same),
                              "--out", str(tmp_path / "same")])
    assert res.exit_code == 0, res.output
    child = read_transcript(tmp_path / "same")
    assert [dict(r, meta=None) for r in child] == [dict(r, meta=None) for r in parent]
    summary = read_summary(tmp_path / "same")
    assert summary["parent"] == str(run_dir) and summary["edited"]["row"] == at
    assert summary["edited"]["original"] == parent[at] and summary["edited"]["move"] == same


def test_rerun_of_a_draft_changes_what_follows(run_dir, tmp_path):
    parent = read_transcript(run_dir)
    at = next(i for i, r in enumerate(parent) if r["kind"] == "draft")
    move = {"kind": "draft", "package": ["curb_ramps", "benches"], "reason": "a thin opening"}
    res = runner.invoke(app, ["rerun", str(run_dir), "--at", str(at), "--move", json.dumps(move),
                              "--out", str(tmp_path / "draft")])
    assert res.exit_code == 0, res.output
    child = read_transcript(tmp_path / "draft")
    assert child[:at] == parent[:at] and child[at]["package"] == ["curb_ramps", "benches"]
    assert child[at + 1]["utility"] != parent[at + 1]["utility"]        # the groups answer a different draft
