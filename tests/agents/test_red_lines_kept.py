"""Stated red lines kept, on a held-out family built like issue 19's hard case (sim.testing.red_line_scenario).

Each family member: 14 random items, 5 groups, disagreement `best_base`, three random base designs
and red lines (`never` an item a base design holds, `must_have` one none holds). Built once, not
tuned: about half the members have no package that keeps every red line and gives every group its
disagreement utility, and there nobody agrees. Measured when written (20 seeds each, members 0-11):
private 20, 0, 20, 0, 0, 0, 20, 0, 0, 0, 0, 0 agreements; omniscient 4, 0, 20, 0, 0, 0, 20, 0, ...
(before issue 19 private agreed 1 and 0 times on members 0 and 7, and 20 on 2 and 6).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.context import make_context
from sim.run.runner import RunConfig, run_negotiation
from sim.testing.scenarios import red_line_scenario

MEMBERS = range(12)
pytestmark = pytest.mark.slow


def _stated(transcript: list[dict]) -> dict[str, tuple[set, set]]:
    return {e["agent"]: (set(e.get("must_have") or ()), set(e.get("never") or ()))
            for e in transcript if e["kind"] == "position"}


def _a_package_keeps_them_all(ctx, stated) -> bool:
    """Brute force over all 2^K subsets: within the budget and keeping every stated red line (no item links here)."""
    rub = ctx.rubric
    K = rub.n_items
    X = ((np.arange(1 << K)[:, None] >> np.arange(K)) & 1).astype(bool)
    ok = X.astype(float) @ np.asarray(rub.costs, dtype=float) <= rub.budget + 1e-9
    for must, never in stated.values():
        for i in must:
            ok &= X[:, rub.item_index[i]]
        for i in never:
            ok &= ~X[:, rub.item_index[i]]
    return bool(ok.any())


def test_the_family_has_no_item_links():
    for m in MEMBERS:
        assert not any(i.requires or i.excludes for i in red_line_scenario(m).items)


@pytest.mark.parametrize("member", MEMBERS)
def test_no_draft_breaks_a_stated_red_line_when_a_package_keeps_them_all(member):
    ctx = make_context(red_line_scenario(member))
    for seed in range(5):
        r = run_negotiation(ctx, RunConfig(seed=seed))
        stated = _stated(r.transcript)
        if not _a_package_keeps_them_all(ctx, stated):
            continue
        for e in r.transcript:
            if e["kind"] == "draft" and e.get("package") is not None:
                p = set(e["package"])
                broken = [g for g, (must, never) in stated.items() if not must <= p or p & never]
                assert not broken, (member, seed, e["round"], broken, e.get("reason"))


@pytest.mark.parametrize("belief", ["weights", "item_values+decisions+ideal"])
def test_private_agrees_in_nine_of_ten_seeds_wherever_the_omniscient_mediator_does(belief):
    """Member 2 under the item-value belief: 13 of 20 until a first-round reservation also bounded the stated ideal
    from above (agents.listening.ideal_rows), 20 of 20 since (omniscient 20)."""
    checked = 0
    options = {"beliefs": belief}
    for member in MEMBERS:
        s = red_line_scenario(member)
        agreed = {}
        for info in ("full", "private"):      # the private runs matter only where the omniscient mediator agrees
            ctx = make_context(s, information=info)
            agreed[info] = sum(run_negotiation(ctx, RunConfig(seed=i, mediator_options=options)).outcome.agreement
                               for i in range(20))
            if agreed["full"] < 18:
                break
        if agreed["full"] >= 18:
            checked += 1
            assert agreed["private"] >= 18, (member, agreed)
    assert checked >= 2


def test_a_draft_says_which_stated_red_lines_cannot_be_kept_together():
    """tiny_example with families stating `never: [ramp]` against the wheelchair users' `must_have: [ramp]`."""
    import yaml

    from sim.core.scenario import parse_scenario
    from tests.conftest import ROOT

    d = yaml.safe_load((ROOT / "scenarios/tiny_example.yaml").read_text())
    d["groups"][1]["red_lines"] = {"never": ["ramp"]}
    r = run_negotiation(make_context(parse_scenario(d, "tiny-conflict")), RunConfig(seed=0))
    reasons = [e.get("reason") or "" for e in r.transcript if e["kind"] == "draft"]
    assert any("keeps together: wheelchair_users and families" in x for x in reasons), reasons
    assert not any("merchants" in x.partition("keeps together:")[2] for x in reasons), reasons
