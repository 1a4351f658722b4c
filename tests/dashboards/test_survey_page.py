"""The dashboard's Survey page (Streamlit AppTest) and its loaders and charts."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from dashboards import survey  # noqa: E402
from sim.survey.data import load_survey  # noqa: E402
from sim.survey.report import ReportConfig, survey_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboards" / "app.py")
SYNTHETIC = ROOT / "scenarios" / "surveys" / "montreal_survey_synthetic.csv"


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    survey_report(load_survey(SYNTHETIC), ReportConfig(permutations=199)).write(root / "surveys" / "montreal")
    return root


def open_survey_page(root: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("NEGSIM_RUNS", str(root))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.sidebar.radio(key="page").set_value("Survey").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_survey_page_shows_a_report_folder(reports, monkeypatch):
    at = open_survey_page(reports, monkeypatch)
    assert at.selectbox(key="survey_report").options == ["surveys/montreal"]
    caption = " ".join(c.value for c in at.caption)
    assert "35 participants in 4 groups" in caption
    charts = at.get("plotly_chart")
    assert len(charts) == 4                                  # shares, group means, alpha, Kendall's W
    pairs = at.dataframe[0].value
    assert len(pairs) == 15 and pairs["cliffs_delta"].abs().is_monotonic_decreasing
    at.selectbox(key="survey_task").set_value("ranking").run()
    at.selectbox(key="survey_criterion").set_value("accessibility").run()
    assert not at.exception
    consensus = at.dataframe[1].value
    assert consensus.loc["image_2", "wheelchair_users"] == 1        # planted: wheelchair users rank image_2 first


def test_survey_page_without_reports_says_how_to_make_one(tmp_path, monkeypatch):
    at = open_survey_page(tmp_path, monkeypatch)
    assert any("negsim survey report" in i.value for i in at.info)


def test_loaders_and_charts(reports):
    assert survey.list_reports(reports) == ["surveys/montreal"]
    tables, meta = survey.load_report(reports / "surveys" / "montreal")
    assert meta["participants"] == 35 and set(tables) == {"criteria", "agreement", "consensus", "pairs", "group_means"}
    assert tables["group_means"]["target"].eq("").sum() > 0          # empty targets stay empty strings
    fig = survey.between_chart(tables["criteria"], 35, 4)
    assert len(fig.data) == 2 * 3                                    # systematic / not, in three task facets
    assert fig.layout.shapes and fig.layout.shapes[0].y0 == pytest.approx(3 / 34)
    means = survey.means_chart(tables["group_means"], "rating", "inclusivity")
    assert list(means.data[0].y) == ["wheelchair_users", "seniors", "lgbtqia2_residents", "newcomers"]
    assert len(means.data[0].x) == 20
    assert survey.kendall_chart(tables["agreement"]) is not None
    assert survey.kendall_chart(tables["agreement"].assign(kendall_w=float("nan"))) is None


def test_uploaded_survey_is_analysed_and_bad_uploads_are_one_line():
    from sim.survey.format import SurveyError

    raw = (ROOT / "scenarios/surveys/tiny_survey.csv").read_bytes()
    tables, meta = survey._analyse_upload.__wrapped__("tiny_survey.csv", raw)
    assert meta["participants"] == 6 and meta["permutations"] == survey.UPLOAD_PERMUTATIONS
    with pytest.raises(SurveyError, match="^bad.csv: row 1"):
        survey._analyse_upload.__wrapped__("bad.csv", b"participant,group,task,target,criterion,value,scale_min,scale_max\n"
                                                      b"p,g,rating,x,c,9,1,5\n")
