"""agents.revision: candidate drafts from objections, worked by hand on tiny_example.

tiny_example: ramp 40k, trees 30k, bench 20k, bike_lane 60k (excludes ramp), lighting 25k, mural 15k
(requires trees); budget 100k.
"""

from __future__ import annotations

import numpy as np
import pytest

from agents.revision import amended, from_objections, merged
from sim.core.context import make_context
from sim.core.moves import Amendment
from sim.core.protocol import Reply
from sim.core.scenario import load_scenario
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def ctx():
    return make_context(load_scenario(ROOT / "scenarios" / "tiny_example.yaml"))


def _p(ctx, *ids):
    return np.array(ctx.rubric.package(list(ids)), dtype=np.int8)


def _names(ctx, y):
    return [ctx.rubric.item_ids[i] for i in np.flatnonzero(y)]


def _reply(group, *amendments):
    return Reply(group=group, accept=False, amendments=tuple(amendments), reason="")


def test_a_drop_takes_the_dependants_and_never_refills_the_dropped_item(ctx):
    # ramp + trees + mural, drop trees: mural goes with it; the 60k freed refill with bench and lighting
    # (85k); trees is banned from the refill, mural needs trees, bike_lane excludes the ramp
    y = amended(ctx, _p(ctx, "ramp", "trees", "mural"), (Amendment("drop", "trees"),))
    assert _names(ctx, y) == ["ramp", "bench", "lighting"] and not y.flags.writeable


def test_an_added_item_is_protected_and_its_exclusions_leave(ctx):
    y = amended(ctx, _p(ctx, "ramp", "trees", "mural"), (Amendment("add", "bike_lane"),))
    names = _names(ctx, y)
    assert "bike_lane" in names and "ramp" not in names
    assert ctx.rubric.cost(y) <= ctx.rubric.budget


def test_an_amendment_that_changes_nothing_is_none(ctx):
    # ramp + trees + bench (90k): the ramp is in already and no item fits in the 10k left
    assert amended(ctx, _p(ctx, "ramp", "trees", "bench"), (Amendment("add", "ramp"),)) is None


def test_merged_adds_the_other_drafts_items_or_is_none(ctx):
    assert _names(ctx, merged(ctx, _p(ctx, "ramp"), _p(ctx, "trees", "bench"))) == ["ramp", "trees", "bench"]
    assert merged(ctx, _p(ctx, "ramp", "trees"), _p(ctx, "ramp")) is None


def test_from_objections_tries_each_amendment_then_a_groups_together_once_each(ctx):
    x = _p(ctx, "ramp", "trees")                                  # 70k
    add_bench, drop_trees, add_lighting = Amendment("add", "bench"), Amendment("drop", "trees"), Amendment("add", "lighting")
    out = from_objections(lambda x, a: amended(ctx, x, a), x, {
        "a": _reply("a", add_bench, drop_trees),     # together = drop trees alone (ramp, bench, lighting): one candidate
        "b": _reply("b", add_bench),                 # the same package as a's add:bench: not repeated
        "c": _reply("c", add_bench, add_lighting)})  # 115k together: a different, repaired package
    labels = [label for _, label in out]
    assert labels[:2] == ["add:bench for a", "drop:trees for a"]
    assert _names(ctx, out[0][0]) == ["ramp", "trees", "bench"]
    assert _names(ctx, out[1][0]) == ["ramp", "bench", "lighting"]
    assert labels[2:] == ["add:lighting for c", "add:bench, add:lighting for c"]
    assert len({y.tobytes() for y, _ in out}) == len(out) and x.tobytes() not in {y.tobytes() for y, _ in out}
