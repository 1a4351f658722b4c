"""The label test: every dashboard page and the report, on every shipped scenario, show no raw id.

Visible text is what a reader sees: markdown, captions, headers, alerts, metric labels, table
headers, index and cells, and the chart texts (titles, axis titles, legend names, category
ticks). Tooltips (help=, hovertemplate, customdata) and the "technical" expanders may hold ids.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from sim.analysis.labels import labels_for  # noqa: E402
from sim.core.records import write_run  # noqa: E402
from sim.core.scenario import load_scenario  # noqa: E402
from sim.report.html import report_html  # noqa: E402
from sim.run.runner import RunConfig, run_negotiation  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboards" / "app.py")
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
PAGES = ["Runs", "Scenario", "Negotiation", "Outcomes", "Compare", "Proposal lab", "What if", "Play a stakeholder",
         "Attribution", "Repeated", "Survey"]
TECHNICAL = "technical"


def raw_ids_in(text: str, ids: set[str]) -> list[str]:
    """The ids that occur as whole tokens in text."""
    return sorted(i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text))


def _chart_texts(spec: dict) -> list[str]:
    layout = spec.get("layout", {})
    out = [str((layout.get("title") or {}).get("text", ""))]
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            out.append(str((axis.get("title") or {}).get("text", "")))
            out += [str(t) for t in axis.get("ticktext") or []]
    out += [str(a.get("text", "")) for a in layout.get("annotations") or []]
    for trace in spec.get("data", []):
        out.append(str(trace.get("name", "")))
        for axis in ("x", "y"):
            values = trace.get(axis)
            if isinstance(values, list):
                out += [str(v) for v in values if isinstance(v, str)]
    return out


def _frame_texts(frame) -> list[str]:
    out = [str(c) for c in frame.columns] + [str(i) for i in frame.index]
    for col in frame.columns:
        out += [str(v) for v in frame[col].tolist() if isinstance(v, str)]
    return out


def _inside_technical(node) -> bool:
    while node is not None:
        if getattr(node, "type", "") == "expandable" and TECHNICAL in str(getattr(node, "label", "")).lower():
            return True
        node = getattr(node, "parent", None)
    return False


def visible_text(at: AppTest) -> str:
    """Everything the page shows, outside the technical expanders and tooltips."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "header", "subheader", "title", "info", "success", "warning", "error",
                 "text", "latex"):
        parts += [str(e.value) for e in at.get(kind) if not _inside_technical(e)]
    parts += [f"{m.label} {m.value}" for m in at.get("metric") if not _inside_technical(m)]
    for d in at.get("dataframe"):
        if not _inside_technical(d):
            parts += _frame_texts(d.value)
    for t in at.get("table"):
        if not _inside_technical(t):
            parts += _frame_texts(t.value)
    for chart in at.get("plotly_chart"):
        if not _inside_technical(chart):
            parts += _chart_texts(json.loads(chart.proto.spec))
    for widget in ("selectbox", "multiselect", "radio"):
        for w in at.get(widget):
            if not _inside_technical(w):
                parts += [str(o) for o in getattr(w, "options", [])] + [str(w.label)]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("label-runs")
    for path in SCENARIOS:
        write_run(run_negotiation(load_scenario(path), RunConfig(seed=1)), root / f"run-{path.stem}", str(path))
    return root


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_no_raw_id_on_any_page_or_in_the_report(scenario, runs, monkeypatch):
    loaded = load_scenario(scenario)
    ids = labels_for(loaded).raw_ids() | {loaded.name}      # the scenario's own id too (its run is named apart)
    prose = " ".join(loaded.description.split())      # the author's own words, quoted as written
    monkeypatch.setenv("NEGSIM_RUNS", str(runs))
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["run"] = f"run-{scenario.stem}"
    at.run()
    found = {}
    for page in PAGES:
        at.sidebar.radio(key="page").set_value(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        seen = raw_ids_in(visible_text(at).replace(loaded.description, " ").replace(prose, " "), ids)
        if seen:
            found[page] = seen
    from html import unescape

    html = unescape(report_html(runs / f"run-{scenario.stem}")).replace(prose, " ")
    body = re.sub(r"<title>.*?</title>|<details class=\"technical\">.*?</details>|<[^>]+>", " ", html, flags=re.S)
    seen = raw_ids_in(body, ids)
    if seen:
        found["report"] = seen
    if found:
        pytest.fail("raw ids in visible text: " + json.dumps(found))


def test_the_label_test_catches_a_raw_id():
    """The detector itself: an id as a whole token is found, inside a longer id or a label it is not."""
    assert raw_ids_in("drop curb_ramps now", {"curb_ramps"}) == ["curb_ramps"]
    assert raw_ids_in("curb_ramps_x and Rain gardens (bioswales)", {"curb_ramps", "cyclists"}) == []
    assert raw_ids_in("People who cycle:cyclists", {"cyclists"}) == ["cyclists"]
