"""Negotiated package vs the PB rules on every Pabulib election: one CSV row per (instance, method).

    python benchmarks/bench_pabulib.py [DATA_DIR] [--out pabulib_bench.csv]

Each file is grouped by the richest voter field it has: age (bins 18,35,50,65, voters with
no plausible age left out and counted), else district, else none. Methods: negotiated
(default mediator and heuristic stakeholders, seed 0), greedy, mes, max_welfare and the
actual outcome where the file marks it. `seconds` is the negotiation's wall time (search,
protocol and evaluation included) or the pabutools rule's time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.core.records import atomic_write, rows_to_csv  # noqa: E402
from sim.pb.compare import pb_report  # noqa: E402
from sim.pb.pabulib import import_pabulib  # noqa: E402
from sim.pb.segments import Grouping, SegmentError  # noqa: E402

PREFERENCE = ("age", "district", "none")
SHOWN = ("method", "n_selected", "total", "worst_group", "gini", "p20", "seconds")


def default_data_dir() -> Path:
    for parent in ROOT.parents:
        if (parent / "shared" / "data" / "pabulib").is_dir():
            return parent / "shared" / "data" / "pabulib"
    return ROOT / "data" / "pabulib"


def import_best(path: Path):
    """Import with the first grouping in PREFERENCE the file supports."""
    for field in PREFERENCE:
        try:
            return import_pabulib(path, Grouping(field, drop_unknown=(field == "age")))
        except SegmentError:
            continue
    raise AssertionError("group-by none always works")


def fmt(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=default_data_dir())
    parser.add_argument("--out", type=Path, default=Path("pabulib_bench.csv"))
    args = parser.parse_args()
    rows = []
    for path in sorted(args.data.glob("*.pb")):
        started = time.perf_counter()
        imported = import_best(path)
        report = pb_report(imported)
        rows.extend(report.rows)
        first = report.rows[0]
        print(f"\n{path.stem}: {first['vote_type']}, {first['projects']} projects, "
              f"{first['voters']} voters, {first['groups']} groups by {first['group_by']}, "
              f"agreement {first['agreement']} in {first['rounds']} rounds "
              f"(import + rules + negotiation {time.perf_counter() - started:.1f} s)")
        print("  " + " | ".join(f"{k:>11}" for k in SHOWN))
        for row in report.rows:
            print("  " + " | ".join(f"{fmt(row[k]):>11}" for k in SHOWN))
    atomic_write(args.out, rows_to_csv(rows))
    print(f"\nwrote {args.out} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
