"""A SYNTHETIC survey shaped like the Montreal study, with planted group effects (seeded).

Not survey data: every answer is drawn from the distributions below, so tests and docs/survey.md
can check that the analysis finds what was planted and nothing else. Shape of the study:
four groups (wheelchair users, seniors, LGBTQIA2+ residents, newcomers); importance of the
12 criteria; the 20 sites (the base scenario's items) rated on four dimensions; 7 street
images ranked on the 12 criteria.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.core.scenario import Scenario
from sim.survey.format import COLUMNS

MONTREAL_GROUPS = {"wheelchair_users": 9, "seniors": 9, "lgbtqia2_residents": 9, "newcomers": 8}
IMPORTANCE_SCALE = (1, 7)
RATING_SCALE = (-2, 2)        # change the item makes: -2 much worse, 0 none, +2 much better
RATING_DIMENSIONS = ("accessibility", "inclusivity", "aesthetics", "practicality")
IMAGES = tuple(f"image_{j}" for j in range(1, 8))
# mean importance (1-7) every group shares, then the planted group offsets
IMPORTANCE_MEANS = {"accessibility": 4.0, "inclusivity": 4.0, "aesthetics": 4.0, "practicality": 4.5,
                    "security": 4.5, "liveliness": 4.0, "comfort": 4.0, "greenery": 4.5,
                    "traffic_safety": 5.0, "commerce": 3.5, "climate_resilience": 4.5, "wayfinding": 3.5}
IMPORTANCE_PLANT = {"accessibility": {"wheelchair_users": 2.5, "seniors": 1.0},
                    "comfort": {"seniors": 2.5, "wheelchair_users": 1.0},
                    "inclusivity": {"lgbtqia2_residents": 2.5, "newcomers": 1.5},
                    "wayfinding": {"newcomers": 3.0}}
# rating offsets: criterion -> group -> {site: offset}; "*" is every site not listed
RATING_PLANT = {
    "accessibility": {"wheelchair_users": {"*": -1.0, "curb_ramps": 0.5, "tactile_paving": 0.5,
                                           "accessible_bus_stops": 0.5},
                      "seniors": {"*": -0.5}},
    "inclusivity": {"lgbtqia2_residents": {"cctv_cameras": -2.0, "pedestrian_lighting": 1.5, "public_art": 1.0,
                                           "rainbow_crosswalk": 1.0},
                    "newcomers": {"accessible_bus_stops": 1.5, "multilingual_wayfinding": 1.0, "cctv_cameras": -1.0,
                                  "community_hub": 0.5}},
}
# ranking offsets on the images' utilities: criterion -> group -> {image: offset}
RANKING_PLANT = {"accessibility": {"wheelchair_users": {"image_2": 3.0, "image_5": -3.0}, "seniors": {"image_7": 3.0}},
                 "comfort": {"seniors": {"image_4": 3.0, "image_7": -3.0}, "wheelchair_users": {"image_1": 3.0}},
                 "inclusivity": {"lgbtqia2_residents": {"image_6": 3.0, "image_1": -2.0}, "newcomers": {"image_3": 3.0}}}
RATING_BASE = (0.0, 2.0)        # expected rating = 0 + 2 x public effect / largest effect, before offsets
NOISE = {"importance": 0.9, "importance_leniency": 0.5, "rating": 0.7, "rating_leniency": 0.3}


@dataclass(frozen=True)
class SyntheticConfig:
    """Who answers: participants per group, the seed, and the importance task's form."""

    groups: dict[str, int] = field(default_factory=lambda: dict(MONTREAL_GROUPS))
    seed: int = 14
    importance: str = "importance_rating"        # or importance_rank


def _ranks(utility: np.ndarray) -> np.ndarray:
    """Rank 1 for the highest utility in each row."""
    ranks = np.empty(utility.shape, dtype=int)
    np.put_along_axis(ranks, np.argsort(-utility, axis=1, kind="stable"), np.arange(1, utility.shape[1] + 1)[None, :], 1)
    return ranks


def _importance(rng, group: str, n: int, criteria: list[str], task: str) -> tuple[list, np.ndarray]:
    mean = np.array([IMPORTANCE_MEANS.get(c, 4.0) + IMPORTANCE_PLANT.get(c, {}).get(group, 0.0) for c in criteria])
    raw = (mean + rng.normal(0, NOISE["importance_leniency"], (n, 1))
           + rng.normal(0, NOISE["importance"], (n, len(criteria))))
    if task == "importance_rank":                # rank by the same latent importance
        return [(task, "", c, None) for c in criteria], _ranks(raw)
    return [(task, "", c, IMPORTANCE_SCALE) for c in criteria], np.clip(np.rint(raw), *IMPORTANCE_SCALE).astype(int)


def _ratings(rng, group: str, n: int, base: Scenario, e_max: float) -> tuple[list, np.ndarray]:
    leniency = rng.normal(0, NOISE["rating_leniency"], (n, 1))
    keys, parts = [], []
    for c in RATING_DIMENSIONS:
        plant = RATING_PLANT.get(c, {}).get(group, {})
        effect = np.array([item.effects.get(c, 0.0) for item in base.items])
        offset = np.array([plant.get(item.id, plant.get("*", 0.0)) for item in base.items])
        noise = rng.normal(0, NOISE["rating"], (n, len(base.items)))
        raw = RATING_BASE[0] + RATING_BASE[1] * effect / e_max + offset + leniency + noise
        parts.append(np.clip(np.rint(raw), *RATING_SCALE).astype(int))
        keys += [("rating", item.id, c, RATING_SCALE) for item in base.items]
    return keys, np.hstack(parts)


def _rankings(rng, group: str, n: int, criteria: list[str], utility: np.ndarray) -> tuple[list, np.ndarray]:
    keys, parts = [], []
    for i, c in enumerate(criteria):
        plant = RANKING_PLANT.get(c, {}).get(group, {})
        u = utility[i] + np.array([plant.get(img, 0.0) for img in IMAGES]) + rng.gumbel(size=(n, len(IMAGES)))
        parts.append(_ranks(u))                  # Gumbel-max: Plackett-Luce draws
        keys += [("ranking", img, c, None) for img in IMAGES]
    return keys, np.hstack(parts)


def synthetic_survey(base: Scenario, config: SyntheticConfig = SyntheticConfig()) -> pd.DataFrame:
    """The synthetic responses (long form, the survey file's columns) for a base scenario's criteria and items."""
    rng = np.random.default_rng(config.seed)
    criteria = base.criterion_ids
    e_max = max([abs(v) for item in base.items for v in item.effects.values()] or [1.0])
    utility = rng.normal(0.0, 1.0, size=(len(criteria), len(IMAGES)))   # the images' shared qualities
    frames, first = [], 1
    for group, n in config.groups.items():
        blocks = [_importance(rng, group, n, criteria, config.importance), _ratings(rng, group, n, base, e_max),
                  _rankings(rng, group, n, criteria, utility)]
        keys = [k for ks, _ in blocks for k in ks]
        values = np.hstack([v for _, v in blocks])                          # (n, questions)
        task, target, criterion, scale = zip(*keys)
        lo = ["" if sc is None else sc[0] for sc in scale]
        hi = ["" if sc is None else sc[1] for sc in scale]
        frames.append(pd.DataFrame({
            "participant": np.repeat([f"p{k:04d}" for k in range(first, first + n)], len(keys)),
            "group": group, "task": np.tile(task, n), "target": np.tile(target, n),
            "criterion": np.tile(criterion, n), "value": values.ravel(),
            "scale_min": np.tile(np.array(lo, dtype=object), n), "scale_max": np.tile(np.array(hi, dtype=object), n)}))
        first += n
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]


def header(config: SyntheticConfig, base_path: str) -> str:
    """The comment header of the written file: SYNTHETIC, how it was drawn, what was planted."""
    def offsets(offs) -> str:
        if isinstance(offs, dict):
            return "(" + ", ".join(f"{k} {v:+g}" for k, v in offs.items()) + ")"
        return f"{offs:+g}"

    def plant_text(plant: dict) -> list[str]:
        return [f"  {c}: " + "; ".join(f"{g} {offsets(o)}" for g, o in groups.items()) for c, groups in plant.items()]

    n = sum(config.groups.values())
    lines = [
        "SYNTHETIC SURVEY - NOT REAL RESPONSES. Generated by scenarios/surveys/make_montreal_survey.py",
        f"(sim.survey.synthetic, seed {config.seed}) for the base scenario {base_path}. Shaped like the",
        f"Montreal study: {n} participants in {len(config.groups)} groups ("
        + ", ".join(f"{g} {k}" for g, k in config.groups.items()) + ");",
        f"{config.importance} of the 12 criteria (1-7); the 20 sites (the base scenario's items) rated",
        "on accessibility, inclusivity, aesthetics, practicality (-2 much worse .. +2 much better);",
        "7 images ranked on the 12 criteria.",
        "Importance: mean " + ", ".join(f"{c} {m}" for c, m in IMPORTANCE_MEANS.items())
        + f" for every group, plus a participant leniency (sd {NOISE['importance_leniency']}) and noise"
        f" (sd {NOISE['importance']}), rounded and clipped to 1-7. Planted group offsets:",
        *plant_text(IMPORTANCE_PLANT),
        f"Ratings: {RATING_BASE[0]:g} + {RATING_BASE[1]:g} x (the item's public effect on the dimension) / 5 + leniency (sd "
        f"{NOISE['rating_leniency']}) + noise (sd {NOISE['rating']}), rounded and clipped to -2..2.",
        "Planted offsets ('*' = every other site):",
        *plant_text(RATING_PLANT),
        "Rankings: Plackett-Luce draws (Gumbel-max) from image utilities shared by all groups (normal,",
        "sd 1) plus planted offsets:", *plant_text(RANKING_PLANT),
        "No other group effect was planted: on every other criterion the groups answer alike.",
    ]
    return "".join(f"# {line}\n" for line in lines)
