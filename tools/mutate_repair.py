"""Mutation check of sim/core/repair.py: each mutant must make the repair tests fail.

Applies one mutation at a time to a temporary copy of the tree, runs the fast repair tests
(tests/core/test_repair.py) there and prints caught/survived per mutant. Exit 1 if any survives.

    python tools/mutate_repair.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = Path("sim/core/repair.py")
TESTS = ["tests/core/test_repair.py"]
COPY = ["sim", "agents", "scenarios", "tests/__init__.py", "tests/conftest.py", "tests/core"]

# name -> (original text, mutated text); the first three are those of issue 20
MUTANTS = {
    "drop the most valuable per cost": ("ratio = np.where(keep, loss / np.where(keep, freed, 1.0), np.inf)",
                                        "ratio = np.where(keep, -loss / np.where(keep, freed, 1.0), np.inf)"),
    "keep the worse of an excluded pair": ("(i in protect, worth[i], -i)", "(i in protect, -worth[i], -i)"),
    "ignore protect": ("    rub = ctx.rubric\n    y = np.array(x",
                       "    protect = frozenset()\n    rub = ctx.rubric\n    y = np.array(x"),
    "budget check off by the tolerance (cost > budget - EPS)": ("while rub.cost(y) > rub.budget + EPS:",
                                                                 "while rub.cost(y) > rub.budget - EPS:"),
    "one drop only (while -> if)": ("while rub.cost(y) > rub.budget + EPS:", "if rub.cost(y) > rub.budget + EPS:"),
    "drop without dependants": ("return np.concatenate([[k], dep[x[dep] == 1]]).astype(int)",
                                "return np.array([k], dtype=int)"),
}


def run_tests(tree: Path) -> int:
    """Exit code of the repair tests run in `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not slow", *TESTS],
                         cwd=tree, env=env, capture_output=True, text=True)
    return res.returncode


def main() -> int:
    """Run every mutant; 0 when each is caught."""
    source = (ROOT / TARGET).read_text()
    survived = []
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp)
        for part in COPY:
            src = ROOT / part
            (tree / part).parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if src.is_dir() else shutil.copy)(src, tree / part)  # noqa: E501
        if run_tests(tree) != 0:
            print("the unmutated tests fail: nothing to measure")
            return 2
        for name, (old, new) in MUTANTS.items():
            assert source.count(old) == 1, f"mutant '{name}': the text to mutate is not in {TARGET} once"
            (tree / TARGET).write_text(source.replace(old, new))
            caught = run_tests(tree) != 0
            print(f"{'caught  ' if caught else 'SURVIVED'}  {name}")
            survived += [] if caught else [name]
        (tree / TARGET).write_text(source)
    print(f"{len(MUTANTS) - len(survived)} of {len(MUTANTS)} mutants caught")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
