"""`negsim survey scenario`: a base scenario whose value profiles come from a survey.

The survey's groups replace the base scenario's groups (label, size, persona, red lines and
veto are kept from the base group of the same id; groups nobody surveyed are dropped unless
`keep_unsurveyed`). Each participant becomes a member with individual weights (so P20 is
computed over real respondents), group weights are the members' mean, and the group's public
`prior` is that mean with its bootstrap standard error. Group means of the ratings of the
base scenario's items become that group's `group_effects` on the rated criteria.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.core.scenario import Scenario, parse_scenario
from sim.survey.format import IMPORTANCE_TASKS, Survey, SurveyError
from sim.survey.profiles import SD_FLOOR, MemberWeights, bootstrap_priors, effect_of_rating, member_weights, rating_means


@dataclass(frozen=True)
class ProfileConfig:
    """How answers become profiles: which importance task, bootstrap size and seed, PL penalty, groups kept."""

    importance: str = "auto"            # auto (ratings if present, else ranks) | importance_rating | importance_rank
    bootstrap: int = 1000
    seed: int = 0
    pl_alpha: float = 1.0
    keep_unsurveyed: bool = False
    name: str | None = None


@dataclass(frozen=True, eq=False)
class SurveyScenario:
    """The new scenario and the tables behind it (members, priors, mapped ratings), with notes."""

    scenario: Scenario
    members: MemberWeights
    priors: pd.DataFrame
    effects: pd.DataFrame
    notes: tuple[str, ...] = field(default=())


def _check_groups(survey: Survey, base: Scenario, base_source: str) -> None:
    known = set(base.group_ids)
    bad = ~survey.frame["group"].isin(known)
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise survey.error(i + 1, "group", f"unknown group '{survey.frame['group'].iloc[i]}' (the base scenario "
                           f"{base_source} has no such group)",
                           f"use one of {', '.join(base.group_ids)}, or add the group to the base scenario")


def _importance_task(survey: Survey, wanted: str) -> str:
    present = [t for t in IMPORTANCE_TASKS if t in survey.tasks]
    if wanted == "auto" and present:
        return present[0]
    if wanted in present:
        return wanted
    need = "importance_rating or importance_rank" if wanted == "auto" else wanted
    raise SurveyError(survey.source, "(file), column task", f"no {need} answers",
                      "add rows with task importance_rating or importance_rank: members' weights come from them")


def _prior(table: pd.DataFrame, source: str) -> dict:
    sd = {c: float(max(SD_FLOOR, min(1.0, s))) for c, s in zip(table["criterion"], table["sd"]) if np.isfinite(s)}
    prior = {"weights": {c: round(float(w), 6) for c, w in zip(table["criterion"], table["weight"])}, "source": source}
    if sd:
        prior["sd"] = {c: round(v, 6) for c, v in sd.items()}
    return prior


def _group_effects(base: Scenario, means: pd.DataFrame) -> tuple[dict[str, dict[str, dict]], pd.DataFrame]:
    """Per group and item, the full effect row (base row with rated criteria replaced), and the mapped table."""
    values = [abs(v) for it in base.items for v in it.effects.values()]
    values += [abs(v) for it in base.items for row in it.group_effects.values() for v in row.values()]
    e_max = max(values) if values and max(values) > 0 else 1.0
    means = means.assign(effect=[round(effect_of_rating(m, lo, hi, e_max), 3) for m, lo, hi in
                                 zip(means["mean"], means["scale_min"], means["scale_max"])])
    items = {it.id: it for it in base.items}
    out: dict[str, dict[str, dict]] = {}
    for (g, item_id), part in means.groupby(["group", "item"], sort=False):
        item = items[item_id]
        row = dict(item.group_effects.get(g, item.effects))
        row.update(dict(zip(part["criterion"], part["effect"].astype(float))))
        out.setdefault(g, {})[item_id] = row
    return out, means.assign(e_max=e_max)


def _groups(base: Scenario, survey: Survey, members: MemberWeights, priors: pd.DataFrame,
            config: ProfileConfig, source: str) -> list[dict]:
    surveyed = set(members.groups)
    out = []
    for group in base.model_dump(mode="json")["groups"]:
        gid = group["id"]
        if gid not in surveyed:
            if config.keep_unsurveyed:
                out.append(group)
            continue
        W = members.weights[np.array(members.groups) == gid]
        table = priors[priors["group"] == gid]
        group.update(weights={c: round(float(w), 6) for c, w in zip(members.criteria, W.mean(axis=0)) if w > 0},
                     members=[{c: round(float(w), 6) for c, w in zip(members.criteria, row) if w > 0} for row in W],
                     dispersion=None, prior=_prior(table, source))
        out.append(group)
    return out


def _items(base: Scenario, effects: dict[str, dict[str, dict]], kept: set[str]) -> list[dict]:
    items = base.model_dump(mode="json")["items"]
    for item in items:
        rows = {g: row for g, row in item["group_effects"].items() if g in kept}
        for g, by_item in effects.items():
            if item["id"] in by_item:
                rows[g] = by_item[item["id"]]
        item["group_effects"] = rows
    return items


def _notes(survey: Survey, base: Scenario, groups: list[dict]) -> list[str]:
    notes = []
    f = survey.frame
    outside = sorted(set(f.loc[f["task"] == "rating", "target"]) - set(base.item_ids))
    if outside:
        notes.append(f"ratings of {len(outside)} target(s) that are not items of the base scenario are not used "
                     f"({', '.join(outside[:5])}{', ...' if len(outside) > 5 else ''})")
    if "ranking" in survey.tasks:
        notes.append("ranking answers are not used in the scenario (`negsim survey report` analyses them)")
    dropped = [g.id for g in base.groups if g.id not in {x["id"] for x in groups}]
    if dropped:
        notes.append(f"base groups nobody surveyed were dropped: {', '.join(dropped)} (keep them with --keep-unsurveyed)")
    return notes


def _fit_quorum(data: dict) -> list[str]:
    """Lower a quorum larger than the groups left to their number (a note says so)."""
    acceptance, n = data["protocol"]["acceptance"], len(data["groups"])
    if isinstance(acceptance, dict) and acceptance["quorum"] > n:
        note = f"quorum {acceptance['quorum']} lowered to the {n} groups left"
        acceptance["quorum"] = n
        return [note]
    return []


def _sources(base: Scenario, base_source: str, survey: Survey, members: MemberWeights, method: str,
             mapped: pd.DataFrame, config: ProfileConfig) -> list[str]:
    steps = [f"Base scenario: {base_source}",
             f"Value profiles from the survey {survey.source} ({len(members.participants)} participants as members of "
             f"{len(set(members.groups))} groups): member weights = {method}, normalised; group weights = members' "
             f"mean; prior sd = bootstrap standard error ({config.bootstrap} resamples, seed {config.seed})"]
    if len(mapped):
        steps.append(f"group_effects: group mean ratings of {mapped['item'].nunique()} items on "
                     f"{', '.join(pd.unique(mapped['criterion']))}, mapped linearly onto the effect scale with the "
                     f"base scenario's largest effect {mapped['e_max'].max():g} (a one-sided rating scale: minimum -> 0, "
                     "maximum -> that effect; a scale around 0: 0 -> 0, its larger end -> that effect)")
    else:
        steps.append("group_effects: none from the survey (no ratings of the base scenario's items)")
    return list(base.sources) + steps


def survey_scenario(survey: Survey, base: Scenario, base_source: str,
                    config: ProfileConfig = ProfileConfig()) -> SurveyScenario:
    """The base scenario with value profiles (members, weights, prior, group_effects) from the survey."""
    _check_groups(survey, base, base_source)
    task = _importance_task(survey, config.importance)
    members = member_weights(survey, task, base.criterion_ids, config.pl_alpha)
    groups_order = [g for g in base.group_ids if g in set(members.groups)]
    priors = bootstrap_priors(members, groups_order, config.bootstrap, config.seed)
    effects, mapped = _group_effects(base, rating_means(survey, base.item_ids, base.criterion_ids))
    method = ("rescaled importance ratings" if task == "importance_rating"
              else f"Plackett-Luce strengths of importance ranks (choix, penalty {config.pl_alpha:g})")
    prior_source = (f"survey {survey.source}: mean of the members' normalised weights ({method}); sd = bootstrap "
                    f"standard error over members ({config.bootstrap} resamples, seed {config.seed})")
    data = base.model_dump(mode="json")
    data["groups"] = _groups(base, survey, members, priors, config, prior_source)
    kept = {g["id"] for g in data["groups"]}
    data["items"] = _items(base, {g: e for g, e in effects.items() if g in kept}, kept)
    notes = _notes(survey, base, data["groups"]) + _fit_quorum(data) + list(members.notes)
    data["name"] = config.name or f"{base.name}_from_survey"
    data["sources"] = _sources(base, base_source, survey, members, method, mapped, config)
    return SurveyScenario(parse_scenario(data, data["name"]), members, priors, mapped, tuple(notes))
