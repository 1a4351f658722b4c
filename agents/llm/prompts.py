"""Structured-output schemas and prompts built from the scenario; every number comes from the engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, Field

from sim.core.context import NegotiationContext
from sim.core.moves import Amendment


class StakeholderReply(BaseModel):
    """What an LLM stakeholder answers to a draft."""

    decision: Literal["accept", "object"]
    choice: int | None = Field(None, description="number of the chosen candidate amendment")
    amendment: str | None = Field(None, max_length=104, description="free amendment: add:ID, drop:ID or swap:ADD>DROP")
    reason: str = Field("", description="public reason, one sentence", json_schema_extra={"maxLength": 200})


class MediatorDraft(BaseModel):
    """What an LLM mediator tables: a numbered candidate package or its own item list."""

    choice: int | None = Field(None, description="number of the chosen candidate package")
    items: list[Annotated[str, Field(max_length=48)]] | None = Field(
        None, max_length=12, description="item ids of a package of your own")
    reason: str = Field("", description="public justification, one sentence", json_schema_extra={"maxLength": 200})


@dataclass(frozen=True)
class Candidate:
    """One legal amendment with its engine-computed effect on this group."""

    amendment: Amendment
    delta_utility: float
    delta_cost: float


def _weights_text(ctx: NegotiationContext, g: int) -> str:
    w = ctx.rubric.weights[g]
    crit = ctx.rubric.criterion_ids
    order = np.argsort(-w, kind="stable")

    def words(v: float) -> str:
        return "cares most about" if v == w.max() and v > 0 else ("ignores" if v == 0 else "also values")
    return "; ".join(f"{words(float(w[c]))} {crit[c]} (weight {float(w[c]):g})" for c in order)


def rubric_text(ctx: NegotiationContext, g: int | None = None) -> str:
    """The public rubric: items with cost (and this group's utility when g is given)."""
    rub = ctx.rubric
    rows = []
    for k, item in enumerate(rub.item_ids):
        extra = f", utility for you {float(rub.values[g, k]):+.2f}" if g is not None else ""
        rows.append(f"- {item}: cost {rub.costs[k]:,.0f}{extra}")
    return "\n".join(rows)


def stakeholder_system(ctx: NegotiationContext, g: int) -> str:
    """Persona, value profile and red lines of group g."""
    group = ctx.scenario.groups[g]
    lines = group.red_lines
    persona = group.persona or group.label or group.id
    red = [f"must have {', '.join(lines.must_have)}" for _ in [0] if lines.must_have]
    red += [f"never {', '.join(lines.never)}" for _ in [0] if lines.never]
    red += [f"utility at least {lines.min_utility:g}" for _ in [0] if lines.min_utility is not None]
    return (f"You represent the group '{group.id}' ({persona}) in a mediated negotiation over a "
            f"public budget of {ctx.rubric.budget:,.0f} {ctx.scenario.currency}.\n"
            f"Your group {_weights_text(ctx, g)}.\n"
            f"Red lines: {'; '.join(red) or 'none'}.\n"
            "Answer with one JSON object only: "
            '{"decision": "accept" or "object", "choice": candidate number or null, '
            '"amendment": null, "reason": "one sentence"}.')


def stakeholder_prompt(ctx: NegotiationContext, g: int, x: np.ndarray, round_: int,
                       reservation: float, candidates: list[Candidate]) -> str:
    """The user turn: rubric, draft, utility, reservation and numbered candidates."""
    rub = ctx.rubric
    u = float(rub.values[g] @ x)
    broken = ctx.red_lines_broken(g, x)
    cands = "\n".join(f"{i}. {c.amendment}: utility {c.delta_utility:+.2f}, cost {c.delta_cost:+,.0f}"
                      for i, c in enumerate(candidates, 1)) or "(none)"
    return (f"Round {round_} of {ctx.max_rounds}.\nItems:\n{rubric_text(ctx, g)}\n"
            f"Draft: {', '.join(rub.ids(x)) or 'nothing'} (cost {rub.cost(x):,.0f} of {rub.budget:,.0f}).\n"
            f"Your utility of the draft: {u:.2f}. Your reservation level this round: {reservation:.2f}. "
            f"{'Red lines broken: ' + '; '.join(broken) + '. ' if broken else ''}"
            f"Accept if the draft meets your reservation and red lines; otherwise object.\n"
            f"Legal candidate amendments (utility change for you, cost change):\n{cands}")


def mediator_system(ctx: NegotiationContext) -> str:
    """The mediator's system prompt: budget, groups, the feasibility duty and the answer schema."""
    currency = ctx.currency if hasattr(ctx, "currency") else ctx.scenario.currency
    return (f"You are the mediator of a negotiation over a public budget of {ctx.rubric.budget:,.0f} "
            f"{currency} among groups {', '.join(ctx.rubric.group_ids)}. Table a package "
            "every group can accept; it must fit the budget and respect every red line.\n"
            'Answer with one JSON object only: {"choice": candidate number or null, '
            '"items": null, "reason": "one sentence"}.')


def mediator_prompt(ctx, round_: int, draft: np.ndarray | None,
                    objections: list[str], candidates: list[tuple[np.ndarray, str]],
                    utilities=None) -> str:
    """The user turn: rubric, last draft, objections and numbered candidate packages.

    `utilities(packages) -> (n, G)` gives the group utilities the mediator knows (believed ones under
    private information); by default the context's true utilities.
    """
    rub = ctx.rubric
    utilities = utilities or rub.utilities
    last = "none yet" if draft is None else (', '.join(rub.ids(draft)) or "nothing")
    cands = []
    for i, (y, label) in enumerate(candidates, 1):
        u = ", ".join(f"{gid} {v:.2f}" for gid, v in zip(rub.group_ids, np.ravel(utilities(y))))
        cands.append(f"{i}. {label}: {', '.join(rub.ids(y)) or 'nothing'}; cost {rub.cost(y):,.0f}; "
                     f"utilities {u}")
    return (f"Round {round_} of {ctx.max_rounds}.\nItems:\n{rubric_text(ctx)}\n"
            f"Last draft: {last}.\nObjections: {'; '.join(objections) or 'none'}.\n"
            "Candidate packages (feasible, computed by the engine):\n" + "\n".join(cands))


REPAIR = ("Your previous answer was rejected: {why}. Answer again with one JSON object only, "
          "following the schema exactly.")
