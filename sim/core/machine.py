"""What this machine can give right now: the one place that reads its cores and load.

Kept free of imports beyond the standard library, so the chat-model factory and the test
llama server can ask it without loading the scenario and search modules.
"""

from __future__ import annotations

import os


def free_cores() -> int:
    """Cores not busy right now: the CPU count less the 1-minute load average, at least 1.

    More llama.cpp threads than free cores make every thread wait for the others: on a busy
    2-core machine one call took 99 CPU-s with 2 threads instead of 14-21 s with one.
    """
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:          # no load average on this platform
        load = 0.0
    return max(1, min(cores, int(cores - load)))
