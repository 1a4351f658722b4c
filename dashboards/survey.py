"""Dashboard page Survey: the disagreement analysis of `negsim survey report` folders, or of an upload.

The loaders and charts are plain functions of the report's tables (testable without
Streamlit); `survey_page` lays them out.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from sim.survey.report import REPORT_META, TABLES

HEIGHT = 420
MAX_UPLOAD_BYTES = 20_000_000
UPLOAD_PERMUTATIONS = 199
RANK_TASKS = ("importance_rank", "ranking")


def list_reports(root: Path) -> list[str]:
    """Survey report folders (holding survey_report.json) under root."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(str(p.parent.relative_to(root)) or "." for p in root.rglob(REPORT_META))


def load_report(folder: Path) -> tuple[dict[str, pd.DataFrame], dict]:
    """The tables (by name) and survey_report.json of one report folder."""
    folder = Path(folder)
    meta = json.loads((folder / REPORT_META).read_text(encoding="utf-8"))
    tables = {name: pd.read_csv(folder / f"{name}.csv", keep_default_na=False, na_values=[""]) for name in TABLES}
    for frame in tables.values():
        for col in ("target", "option", "kruskal_target"):
            if col in frame:
                frame[col] = frame[col].fillna("").astype(str)
    return tables, meta


def between_chart(criteria: pd.DataFrame, n_participants: int, n_groups: int) -> go.Figure:
    """Between-group share of variance per criterion and task; systematic ones coloured; chance level dashed."""
    labels = {True: "systematic (q < level)", False: "not systematic"}
    frame = criteria.assign(verdict=criteria["systematic"].astype(bool).map(labels))
    fig = px.bar(frame, x="criterion", y="between_share", color="verdict", facet_col="task", facet_col_wrap=1,
                 facet_row_spacing=0.16, labels={"between_share": "between-group share", "verdict": ""},
                 hover_data=["p_permutation", "q_fdr", "kruskal_h", "kruskal_p", "alpha_overall", "alpha_within_mean"],
                 color_discrete_map={labels[True]: "#d62728", labels[False]: "#7f7f7f"},
                 category_orders={"verdict": [labels[True], labels[False]]})
    fig.for_each_annotation(lambda a: a.update(text=a.text.replace("task=", "")))
    fig.update_xaxes(matches=None, showticklabels=True)
    if n_participants > 1:
        chance = (n_groups - 1) / (n_participants - 1)
        fig.add_hline(y=chance, line_dash="dash", annotation_text=f"chance level {chance:.2f}")
    fig.update_layout(height=max(HEIGHT, 380 * criteria["task"].nunique()),
                      title="Share of variance explained by group (disagreement that follows group lines)")
    return fig


def alpha_chart(agreement: pd.DataFrame, task: str) -> go.Figure:
    """Krippendorff's alpha (ordinal) over everyone and within each group, per criterion of one task."""
    frame = agreement[agreement["task"] == task]
    fig = px.bar(frame, x="criterion", y="alpha_ordinal", color="group", barmode="group",
                 title=f"{task}: Krippendorff's alpha, everyone vs within each group (higher = more agreement)")
    fig.update_layout(height=HEIGHT)
    return fig


def means_chart(group_means: pd.DataFrame, task: str, criterion: str | None = None) -> go.Figure:
    """Group means as a heatmap: groups x criteria (importance tasks) or groups x targets (one criterion)."""
    frame = group_means[group_means["task"] == task]
    if criterion is not None and (frame["target"] != "").any():
        frame = frame[frame["criterion"] == criterion]
        columns, title = "target", f"{task}: group means on {criterion}"
    else:
        columns, title = "criterion", f"{task}: group means"
    wide = frame.pivot_table(index="group", columns=columns, values="mean", sort=False)
    scale = "RdBu_r" if task in RANK_TASKS else "RdBu"        # ranks: low (red) is good
    fig = px.imshow(wide, color_continuous_scale=scale, aspect="auto", text_auto=".2f",
                    labels={"color": "mean rank" if task in RANK_TASKS else "mean"})
    fig.update_layout(height=max(300, 50 * len(wide) + 160), title=title)
    return fig


def kendall_chart(agreement: pd.DataFrame) -> go.Figure | None:
    """Kendall's W of every ranking, overall and within each group (None without rank tasks)."""
    frame = agreement.dropna(subset=["kendall_w"])
    if frame.empty:
        return None
    frame = frame.assign(ranking=frame["task"] + ": " + frame["criterion"].astype(str))
    wide = frame.pivot_table(index="ranking", columns="group", values="kendall_w", sort=False)
    fig = px.imshow(wide, color_continuous_scale="Greens", zmin=0, zmax=1, aspect="auto", text_auto=".2f",
                    labels={"color": "Kendall's W"})
    fig.update_layout(height=max(300, 28 * len(wide) + 160), title="Kendall's W: agreement of rankings (0 none, 1 identical)")
    return fig


@st.cache_data(show_spinner=False, max_entries=4)
def _analyse_upload(name: str, raw: bytes) -> tuple[dict[str, pd.DataFrame], dict]:
    from sim.survey.data import loads_survey
    from sim.survey.report import ReportConfig, survey_report

    kind = "parquet" if name.lower().endswith((".parquet", ".pq")) else "csv"
    report = survey_report(loads_survey(raw, name, kind), ReportConfig(permutations=UPLOAD_PERMUTATIONS))
    return report.tables, report.meta()


@st.cache_data(show_spinner=False, max_entries=16)
def _cached_report(folder: str, stamp: int) -> tuple[dict[str, pd.DataFrame], dict]:
    return load_report(Path(folder))


def _source(root: Path):
    from sim.survey.format import SurveyError

    with st.expander("Analyse a survey file", expanded=False):
        upload = st.file_uploader(f"Survey (CSV or parquet, max {MAX_UPLOAD_BYTES // 1_000_000} MB)",
                                  type=["csv", "parquet"], key="survey_upload")
    if upload is not None:
        raw = upload.getvalue()
        if len(raw) > MAX_UPLOAD_BYTES:
            st.error(f"{upload.name}: (file): larger than {MAX_UPLOAD_BYTES:,} bytes; fix: run `negsim survey report` "
                     "on it and open the report folder here")
            return None
        try:
            return _analyse_upload(upload.name, raw)
        except SurveyError as err:
            st.error(str(err))
        except ImportError as err:
            st.error(f"survey analysis: {err.name} is not installed; fix: pip install 'negsim[survey]'")
        return None
    reports = list_reports(root)
    if not reports:
        st.info(f"No survey report under `{root}`. Make one with `negsim survey report "
                f"scenarios/surveys/montreal_survey_synthetic.csv --out {root}/survey`, or analyse a file above.")
        return None
    folder = root / st.selectbox("Survey report", reports, key="survey_report")
    stamp = max(p.stat().st_mtime_ns for p in folder.iterdir())
    return _cached_report(str(folder), stamp)


def survey_page(root: Path) -> None:
    """Disagreement in survey answers: systematic (along group lines) or random."""
    st.header("Survey")
    loaded = _source(root)
    if loaded is None:
        return
    tables, meta = loaded
    groups = ", ".join(f"{g} {n}" for g, n in meta["groups"].items())
    st.caption(f"`{meta['source']}`: {meta['participants']} participants in {len(meta['groups'])} groups ({groups}); "
               f"{meta['permutations']} permutations of the group labels (seed {meta['seed']})")
    st.plotly_chart(between_chart(tables["criteria"], meta["participants"], len(meta["groups"])), width="stretch")
    st.subheader("Which groups differ most on which criteria")
    st.dataframe(tables["pairs"].head(15), hide_index=True, width="stretch")
    tasks = list(dict.fromkeys(tables["criteria"]["task"]))
    task = st.selectbox("Task", tasks, key="survey_task")
    criteria = list(dict.fromkeys(tables["criteria"].loc[tables["criteria"]["task"] == task, "criterion"]))
    criterion = st.selectbox("Criterion", criteria, key="survey_criterion")
    st.plotly_chart(means_chart(tables["group_means"], task, criterion), width="stretch")
    st.plotly_chart(alpha_chart(tables["agreement"], task), width="stretch")
    kendall = kendall_chart(tables["agreement"])
    if kendall is not None:
        st.plotly_chart(kendall, width="stretch")
    consensus = tables["consensus"]
    chosen = consensus[(consensus["task"] == task) & (consensus["criterion"].isin([criterion, "(all)"]))]
    if not chosen.empty:
        st.subheader("Consensus rankings (Plackett-Luce strength, 1 = first)")
        st.dataframe(chosen.pivot_table(index="option", columns="group", values="consensus_rank", sort=False),
                     width="stretch")
