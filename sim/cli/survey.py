"""`negsim survey report|scenario`: disagreement in survey answers, and value profiles from them."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sim.cli.common import fail, load_or_fail

survey_app = typer.Typer(no_args_is_help=True, add_completion=False,
                         help="Survey data: disagreement analysis and value profiles from responses.")
HELP_SURVEY = "long-form survey file (.csv or .parquet): participant,group,task,target,criterion,value,scale_min,scale_max"


def _needs_extra() -> None:
    import importlib.util

    missing = [m for m in ("krippendorff", "choix") if importlib.util.find_spec(m) is None]
    if missing:
        fail(f"negsim survey: {' and '.join(missing)} not installed; fix: pip install 'negsim[survey]'")


def _load(path: Path):
    from sim.survey.data import load_survey
    from sim.survey.format import SurveyError

    try:
        return load_survey(path)
    except SurveyError as err:
        fail(str(err))


def _cell(v, digits: int = 3) -> str:
    import math

    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, bool):
        return "yes" if v else ""
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def _criteria_tables(report, console) -> None:
    from rich import box
    from rich.table import Table

    frame = report.tables["criteria"]
    columns = (("criterion", "criterion", 0), ("between_share", "share", 3), ("p_permutation", "p", 3),
               ("q_fdr", "q", 3), ("kruskal_h", "H", 1), ("kruskal_p", "p(H)", 3), ("alpha_overall", "α all", 2),
               ("alpha_within_mean", "α grp", 2), ("systematic", "sys", 0))
    for task, part in frame.groupby("task", sort=False):
        table = Table(title=f"{task}: share of variance explained by group", title_justify="left",
                      box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
        for key, head, _ in columns:
            table.add_column(head, justify="left" if key == "criterion" else "right", no_wrap=True)
        for _, row in part.iterrows():
            table.add_row(*[_cell(row[key], digits) for key, _, digits in columns])
        console.print(table)
    console.print("share: between-group share of variance; p: permutation test (group labels shuffled); q: "
                  "Benjamini-Hochberg over the task's criteria; H, p(H): Kruskal-Wallis (rated or ranked targets: "
                  "where groups differ most, Bonferroni); α: Krippendorff's alpha (ordinal), everyone vs mean "
                  f"within groups; sys: q < {report.config.level:g}", highlight=False)


def _kendall_table(report, console) -> None:
    from rich import box
    from rich.table import Table

    frame = report.tables["agreement"].dropna(subset=["kendall_w"])
    if frame.empty:
        return
    wide = frame.pivot_table(index=["task", "criterion"], columns="group", values="kendall_w", sort=False)
    table = Table(title="Kendall's W (agreement of rankings: 0 none, 1 identical)", title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("ranking", no_wrap=True)
    for group in wide.columns:
        table.add_column(group, justify="right", overflow="fold")
    for (task, criterion), row in wide.iterrows():
        table.add_row(f"{task}: {criterion}" if task != "ranking" else criterion, *[_cell(v, 2) for v in row])
    console.print(table)


def _pairs(report, console, top: int) -> None:
    pairs = report.tables["pairs"].head(top)
    if pairs.empty:
        return
    console.print("[bold]Groups that differ most[/] (largest |Cliff's delta| first; every pair in pairs.csv):")
    for i, row in enumerate(pairs.itertuples(), 1):
        on = f" on {row.target}" if row.target else ""
        what = f"{row.task}, mean rank" if row.task in ("ranking", "importance_rank") else row.task
        console.print(f"{i:2d}. {row.criterion}{on} ({what}): {row.group_a} {row.mean_a:.2f} vs {row.group_b} "
                      f"{row.mean_b:.2f}, delta {row.cliffs_delta:+.2f}, p {row.p_adjusted:.2g}", highlight=False)


@survey_app.command("report")
def report(survey: Path = typer.Argument(..., help=HELP_SURVEY),
           out: Optional[Path] = typer.Option(None, "--out", help="folder for the CSV tables and survey_report.json"),
           permutations: int = typer.Option(999, "--permutations", min=19, max=100_000, help="label shuffles"),
           seed: int = typer.Option(0, "--seed", min=0, help="seed of the permutations"),
           level: float = typer.Option(0.05, "--level", min=0.0, max=1.0, help="false discovery rate for 'systematic'"),
           top: int = typer.Option(10, "--top", min=0, help="how many group pairs to list")) -> None:
    """Is the disagreement systematic? Between-group variance, Kruskal-Wallis, Krippendorff, Kendall's W."""
    from rich.console import Console

    from sim.survey.report import ReportConfig, survey_report

    _needs_extra()
    data = _load(survey)
    result = survey_report(data, ReportConfig(permutations=permutations, seed=seed, level=level))
    console = Console()
    groups = ", ".join(f"{g} {n}" for g, n in result.groups.items())
    console.print(f"[bold]{survey}[/]: {result.participants} participants in {len(result.groups)} groups ({groups}); "
                  f"tasks {', '.join(data.tasks)}; {permutations} permutations (seed {seed}); "
                  f"{result.seconds:.2f} s", highlight=False)
    _criteria_tables(result, console)
    _kendall_table(result, console)
    _pairs(result, console, top)
    for note in result.notes:
        console.print(f"note: {note}", highlight=False)
    if out is not None:
        written = result.write(out)
        console.print(f"wrote {', '.join(p.name for p in written)} to {out}", highlight=False)


def _print_priors(result, console) -> None:
    from rich import box
    from rich.table import Table

    priors = result.priors
    groups = list(dict.fromkeys(priors["group"]))
    table = Table(title="group weights: members' mean ± bootstrap standard error (the public prior)",
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("criterion", no_wrap=True)
    for g in groups:
        table.add_column(f"{g} ({int(priors.loc[priors['group'] == g, 'members'].iloc[0])})", justify="right",
                         overflow="fold")
    for c in dict.fromkeys(priors["criterion"]):
        part = priors[priors["criterion"] == c].set_index("group")
        table.add_row(c, *[f"{part.loc[g, 'weight']:.3f}±{part.loc[g, 'sd']:.3f}" if part.loc[g, "sd"] == part.loc[g, "sd"]
                           else f"{part.loc[g, 'weight']:.3f}" for g in groups])
    console.print(table)


@survey_app.command("scenario")
def scenario(survey: Path = typer.Argument(..., help=HELP_SURVEY),
             base: Path = typer.Option(..., "--base", help="base scenario: items, budget, designs, group personas"),
             out: Path = typer.Option(..., "--out", help="scenario YAML to write"),
             importance: str = typer.Option("auto", "--importance", help="auto, importance_rating or importance_rank"),
             bootstrap: int = typer.Option(1000, "--bootstrap", min=0, max=100_000, help="bootstrap resamples of members"),
             seed: int = typer.Option(0, "--seed", min=0, help="seed of the bootstrap"),
             pl_alpha: float = typer.Option(1.0, "--pl-alpha", min=1e-6, help="Plackett-Luce penalty for ranks"),
             keep_unsurveyed: bool = typer.Option(False, "--keep-unsurveyed", help="keep base groups nobody surveyed"),
             name: Optional[str] = typer.Option(None, "--name", help="scenario name"),
             priors_csv: Optional[Path] = typer.Option(None, "--priors", help="also write each group's weights with "
                                                       "bootstrap sd and 95% interval to this CSV")) -> None:
    """A scenario whose value profiles (members, weights, prior, group_effects) come from the survey."""
    from sim.core.records import atomic_write
    from sim.core.scenario import ScenarioError, scenario_to_yaml
    from sim.survey.format import SurveyError
    from sim.survey.to_scenario import ProfileConfig, survey_scenario

    _needs_extra()
    if importance not in ("auto", "importance_rating", "importance_rank"):
        fail(f"--importance: unknown value '{importance}'; fix: use auto, importance_rating or importance_rank")
    base_scenario = load_or_fail(base)
    data = _load(survey)
    config = ProfileConfig(importance, bootstrap, seed, pl_alpha, keep_unsurveyed, name)
    try:
        result = survey_scenario(data, base_scenario, str(base), config)
    except (SurveyError, ScenarioError) as err:
        fail(str(err))
    header = (f"# Generated by `negsim survey scenario {survey} --base {base}`: value profiles (members, weights,\n"
              "# prior) and the surveyed groups' group_effects come from the survey; everything else is the base\n"
              "# scenario's. See `sources`.\n")
    atomic_write(out, header + scenario_to_yaml(result.scenario))
    if priors_csv is not None:
        atomic_write(priors_csv, result.priors.to_csv(index=False, lineterminator="\n"))
    _print_scenario(result, out, priors_csv)


def _print_scenario(result, out: Path, priors_csv: Optional[Path]) -> None:
    from rich.console import Console

    console = Console()
    s = result.scenario
    console.print(f"{out}: {len(result.members.participants)} members in {len(s.groups)} groups, "
                  f"group_effects of {result.effects['item'].nunique()} items from ratings; "
                  f"{len(s.items)} items, budget {s.budget:,.0f} {s.currency}", highlight=False)
    _print_priors(result, console)
    for note in result.notes:
        console.print(f"note: {note}", highlight=False)
    if priors_csv is not None:
        console.print(f"wrote {priors_csv} (weight, sd, 95% bootstrap interval lo-hi per group and criterion)",
                      highlight=False)
    console.print(f"run it: negsim run {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add `negsim survey report|scenario`."""
    app.add_typer(survey_app, name="survey")
