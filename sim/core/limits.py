"""Size limits on user files, in one place (measured in docs/limits.md).

Every loader checks its input against these before any work starts, so a hostile or
mistaken file is refused with one line instead of exhausting memory or time. The counts
are set above the city-scale targets (400 items, 256 groups, 100,000 members) the engine
is tuned for; docs/limits.md records what this machine finishes at these sizes.
"""

from __future__ import annotations

__all__ = [
    "EXCERPT_CHARS", "MAX_ABS_VALUE", "MAX_BASE_DESIGNS", "MAX_CRITERIA", "MAX_GROUPS", "MAX_ITEMS",
    "MAX_MEMBERS", "MAX_RUN_CPU_SECONDS", "MAX_SCENARIO_BYTES", "MAX_SWEEP_RUNS", "MAX_YAML_DEPTH",
    "MAX_YAML_NODES", "MIN_PRIOR_SD", "excerpt",
]

MAX_SCENARIO_BYTES = 5_000_000  # bytes of one scenario or sweep file
MAX_YAML_DEPTH = 64             # nested mappings/lists; a scenario needs 5
MAX_YAML_NODES = 2_000_000      # values after expanding aliases (an alias bomb expands to billions)

MAX_ITEMS = 500                 # proposals on the menu
MAX_GROUPS = 300                # stakeholder groups
MAX_CRITERIA = 64               # rubric columns
MAX_MEMBERS = 100_000           # individual members, summed over groups (explicit or drawn by dispersion)
MAX_BASE_DESIGNS = 100          # planners' packages
MAX_ABS_VALUE = 1e12            # any number in a scenario (costs, budget, effects, weights, sizes)
MIN_PRIOR_SD = 1e-6             # smallest prior standard error (1e-300 overflows the precision)

MAX_SWEEP_RUNS = 100_000        # runs one sweep file may plan
MAX_MES_VOTE_BALLOTS = 2_000    # distinct approval ballots the `mes` vote counts (pabutools' MES by budget increase)
MAX_MES_VOTE_STEPS = 1_000      # budget steps of 1% the `mes` vote runs before it is skipped (10x the budget)
MAX_RUN_CPU_SECONDS = 600.0     # estimated CPU seconds of one run (sim.run.work); --max-seconds raises it

EXCERPT_CHARS = 60              # longest quote of a bad value in an error line


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A short, one-line quote of `value` for an error message; never builds the whole repr.

    Containers are described by type and length, so a huge or self-referencing input costs
    nothing to describe.
    """
    if isinstance(value, (dict, list, tuple, set)):
        return f"a {type(value).__name__} of {len(value)} entries"
    if isinstance(value, (bytes, bytearray, str)):
        head = value[: limit + 1]
        text = repr(head) if len(head) <= limit else repr(head[:limit])[:-1] + "...'"
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit + 8 else text[:limit] + "..."
