"""Which chunk a free pool worker takes next: chunks of a variant it already built, else an untouched variant.

A worker builds one negotiation context per variant (`sim.run.sweep.worker`), about as costly as five
runs of the default scenario. Taking chunks in plan order, each of 2 workers built every variant of a
sweep over 4 mediators: duplicated work that capped 500-run sweeps at about 1.74x on 2 workers
(docs/performance.md, issue 24). Rows do not depend on which worker ran a chunk, so results do not change.
"""

from __future__ import annotations

import json

from sim.run.sweep.spec import RunTask


def variant_key(task: RunTask) -> str:
    """The settings a worker's context depends on: the scenario variant (overrides) and the run settings."""
    return json.dumps([task.overrides, task.mediator, task.max_rounds, task.information, task.elicitation],
                      default=str)


def payload_keys(payload: tuple) -> frozenset[str]:
    """The variants whose contexts a chunk payload (chunk id, key, data, source, tasks, ...) needs."""
    return frozenset(variant_key(t) for t in payload[4])


def pick(pending: list[frozenset[str]], held: frozenset[str], taken: frozenset[str]) -> int:
    """The pending chunk (index into `pending`, keys of each, in plan order) a worker holding `held` takes.

    First a chunk whose variants this worker holds; else one whose variants no worker holds (`taken`:
    every worker's); else the first pending chunk (the tail: helping beats idling). -1 when none is pending.
    """
    if not pending:
        return -1
    for rank in (lambda keys: keys <= held, lambda keys: not (keys & taken)):
        for i, keys in enumerate(pending):
            if rank(keys):
                return i
    return 0
