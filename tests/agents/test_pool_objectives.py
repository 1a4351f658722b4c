"""The full-information pool solves leximin only for a leximin mediator (its MILP grows about G^3 per solve)."""

from __future__ import annotations

import pytest

from sim.run.runner import RunConfig, run_negotiation
from sim.search.exact import SearchCache
from sim.testing import random_scenario


@pytest.mark.parametrize("mediator, solves_leximin", [(None, False), ("maximin", False), ("nash", False),
                                                       ("leximin", True)])
def test_only_a_leximin_mediator_solves_leximin(monkeypatch, mediator, solves_leximin) -> None:
    solved: list[str] = []
    original = SearchCache.optimise

    def spy(self, objective, **kw):
        solved.append(objective)
        return original(self, objective, **kw)
    monkeypatch.setattr(SearchCache, "optimise", spy)
    run_negotiation(random_scenario(5, 22, 4), RunConfig(mediator=mediator, information="full"))
    assert ("leximin" in solved) == solves_leximin
    assert {"utilitarian", "maximin", "nash", "kalai"} <= set(solved)
