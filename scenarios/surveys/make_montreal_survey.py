"""Write the SYNTHETIC Montreal-shaped survey (seeded): `python scenarios/surveys/make_montreal_survey.py`.

Options: --seed N (default 14), --scale K (participants per group times K, e.g. for the
benchmark), --importance importance_rating|importance_rank, --out PATH.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.core.scenario import load_scenario  # noqa: E402
from sim.survey.synthetic import MONTREAL_GROUPS, SyntheticConfig, header, synthetic_survey  # noqa: E402

BASE = "scenarios/montreal_streets.yaml"
OUT = Path(__file__).resolve().parent / "montreal_survey_synthetic.csv"


def main() -> None:
    """Generate and write the survey with its comment header."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--importance", default="importance_rating", choices=["importance_rating", "importance_rank"])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    groups = {g: max(1, round(n * args.scale)) for g, n in MONTREAL_GROUPS.items()}
    config = SyntheticConfig(groups=groups, seed=args.seed, importance=args.importance)
    frame = synthetic_survey(load_scenario(ROOT / BASE), config)
    args.out.write_text(header(config, BASE) + frame.to_csv(index=False, lineterminator="\n"))
    print(f"{args.out}: {len(frame)} responses of {sum(groups.values())} participants")


if __name__ == "__main__":
    main()
