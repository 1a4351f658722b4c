"""Do two trees run the same negotiations? One hash of transcripts and packages over the shipped scenarios.

A speed change that claims "behaviour unchanged" prints the same hash on both trees: the sha256 of every run's
transcript (JSON, keys sorted) and agreed package, the 4 shipped scenarios x private and full information x the
seeds, in that order, plus the CPU seconds it took. Run it from each tree (`PYTHONPATH` not needed: the checkout's
root is put first). Main printed 1b9e65ac... for seeds 0-7 on 5 December 2026 (the /tmp/hashruns.py of the docs).

Usage: python benchmarks/bench_identity.py [--seeds 8]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))      # this checkout\'s packages, not an install elsewhere
SHIPPED = ("montreal_streets", "park_renovation", "pb_neighbourhood", "tiny_example")


def identity(seeds: int) -> str:
    """The sha256 of the runs' transcripts and packages (shipped scenarios x private, full x seeds 0..seeds-1)."""
    from sim.core.scenario import load_scenario
    from sim.run.runner import RunConfig, run_negotiation

    h = hashlib.sha256()
    for name in SHIPPED:
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        for information in ("private", "full"):
            for seed in range(seeds):
                r = run_negotiation(scenario, RunConfig(seed=seed, information=information))
                h.update(json.dumps(r.transcript, sort_keys=True, default=str).encode())
                h.update(repr(sorted(r.outcome.package)).encode())
    return h.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="seeds 0..N-1 per scenario and information (8)")
    args = parser.parse_args()
    cpu = time.process_time()
    digest = identity(args.seeds)
    import sim

    print(f"{sim.__file__}: {digest} ({len(SHIPPED) * 2 * args.seeds} runs, {time.process_time() - cpu:.1f} CPU-s)")


if __name__ == "__main__":
    main()
