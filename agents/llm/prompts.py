"""Structured-output schemas and prompts built from the scenario; every number comes from the engine.

Prompts are ordered for llama.cpp's prefix cache: the system message is the public rubric,
identical for every agent of a run (mediator and stakeholders); the user turn starts with the
round's public part (round, draft, candidates), identical across the groups of a round, and
ends with the agent's private part (a group's own profile and its engine-computed utilities).
No prompt states a decision rule: the model decides and states its own reservation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, create_model

from sim.core.moves import Amendment

MAX_REASON = 200


class StakeholderReply(BaseModel):
    """What an LLM stakeholder answers to a draft: its reservation first, then its decision."""

    # The wire schema requires `reservation` (null allowed) and `decision`: llama.cpp's grammar writes
    # required fields first, in schema order, so a constrained model states its reservation before it
    # decides. Parsing stays lenient: a reply without a reservation is still valid.
    model_config = ConfigDict(json_schema_extra={"required": ["reservation", "decision"]})
    reservation: float | None = Field(None, description="the lowest utility your group would accept now")
    decision: Literal["accept", "object"]
    choice: int | None = Field(None, description="number of the chosen amendment, when objecting")
    amendment: str | None = Field(None, max_length=104, description="free amendment: add:ID, drop:ID or swap:ADD>DROP")
    ranking: list[int] | None = Field(None, max_length=8, description="the candidate drafts by number, best first")
    reason: str = Field("", description="public reason, one sentence", json_schema_extra={"maxLength": MAX_REASON})


class MediatorDraft(BaseModel):
    """What an LLM mediator tables: a numbered candidate package or its own item list."""

    choice: int | None = Field(None, description="number of the chosen candidate package")
    items: list[Annotated[str, Field(max_length=48)]] | None = Field(
        None, max_length=12, description="item ids of a package of your own")
    reason: str = Field("", description="public justification, one sentence", json_schema_extra={"maxLength": MAX_REASON})


class Proposal(BaseModel):
    """One candidate package a deliberative mediator drafts, with its public statement."""

    items: list[Annotated[str, Field(max_length=48)]] = Field(..., max_length=20, description="item ids of the package")
    statement: str = Field("", description="one sentence for the groups", json_schema_extra={"maxLength": MAX_REASON})


class DeliberativeDrafts(BaseModel):
    """The N candidate packages a deliberative mediator drafts in one round."""

    proposals: list[Proposal] = Field(..., min_length=1, max_length=8)


class WinnerStatement(BaseModel):
    """The deliberative mediator's explanation of the tabled winner."""

    statement: str = Field("", description="why this package won, one or two sentences",
                           json_schema_extra={"maxLength": 300})


def position_schema(criteria: tuple[str, ...]) -> type[BaseModel]:
    """The round-0 position schema: a 0-10 importance per criterion, red lines to state, a reason."""
    fields = {c: (int, Field(..., ge=0, le=10)) for c in criteria}
    priorities = create_model("StatedPriorities", **fields)          # type: ignore[call-overload]
    return create_model(
        "StakeholderPosition",
        priorities=(priorities, ...),
        must_have=(list[str], Field(default_factory=list, max_length=5)),
        never=(list[str], Field(default_factory=list, max_length=5)),
        reason=(str, Field("", json_schema_extra={"maxLength": MAX_REASON})))


@dataclass(frozen=True)
class Candidate:
    """One legal amendment with its engine-computed effect on this group."""

    amendment: Amendment
    delta_utility: float
    delta_cost: float


def _num(v: float) -> str:
    return f"{v:+g}"


def public_system(ctx) -> str:
    """The public rubric as a system message, identical for every agent of a run (llama.cpp reuses it)."""
    rub = ctx.rubric
    currency = ctx.currency if hasattr(ctx, "currency") else ctx.scenario.currency
    rule = ctx.protocol.acceptance if isinstance(ctx.protocol.acceptance, str) else \
        f"quorum {ctx.protocol.acceptance.quorum}"
    rows = []
    for k, item in enumerate(rub.item_ids):
        eff = ", ".join(f"{c} {_num(float(v))}" for c, v in zip(rub.criterion_ids, rub.effects[k]) if v)
        rows.append(f"- {item}: cost {rub.costs[k]:,.0f}; {eff or 'no public effect'}")
    groups = ", ".join(rub.group_ids)
    return (f"A mediated negotiation over a public budget of {rub.budget:,.0f} {currency} among the groups "
            f"{groups} (acceptance: {rule}; at most {ctx.max_rounds} rounds). Each round the mediator tables "
            "a draft package and every group accepts it or objects.\n"
            f"Criteria: {', '.join(rub.criterion_ids)}.\nItems (cost; public effects on the criteria):\n"
            + "\n".join(rows) + "\nAnswer with one JSON object only.")


def round_text(ctx, round_: int, draft: np.ndarray | None, candidates: list[np.ndarray]) -> str:
    """The round's public part: round, draft and the candidate drafts put up for ranking."""
    rub = ctx.rubric
    head = f"Round {round_} of {ctx.max_rounds}."
    if draft is not None:
        head += (f" Draft: {', '.join(rub.ids(draft)) or 'nothing'} "
                 f"(cost {rub.cost(draft):,.0f} of {rub.budget:,.0f}).")
    if candidates:
        head += "\nCandidate drafts to rank:\n" + "\n".join(
            f"{i}. {', '.join(rub.ids(y)) or 'nothing'}" for i, y in enumerate(candidates, 1))
    return head


def _weights_text(ctx, g: int) -> str:
    w = ctx.rubric.weights[g]
    crit = ctx.rubric.criterion_ids
    order = np.argsort(-w, kind="stable")

    def words(v: float) -> str:
        return "cares most about" if v == w.max() and v > 0 else ("ignores" if v == 0 else "also values")
    return "; ".join(f"{words(float(w[c]))} {crit[c]} (weight {float(w[c]):.2f})" for c in order)


def profile_text(ctx, g: int) -> str:
    """Group g's private profile: persona, weights in words and numbers, red lines."""
    group = ctx.scenario.groups[g]
    return (f"You speak for the group '{group.id}' ({group.persona or group.label or group.id}).\n"
            f"Privately: your group {_weights_text(ctx, g)}.\nYour red lines: {red_lines_text(ctx, g)}.")


def own_values_text(ctx, g: int) -> str:
    """Group g's utility of each item (engine-computed from its private weights)."""
    rub = ctx.rubric
    return "Your utility of each item: " + ", ".join(
        f"{i} {float(rub.values[g, k]):+.2f}" for k, i in enumerate(rub.item_ids)) + "."


def position_prompt(ctx, g: int) -> str:
    """Round 0: the group states its priorities and the red lines it wants the mediator to hear."""
    rub = ctx.rubric
    ideal = ctx.ideal_package(g)
    return (f"Round 0: opening statements.\n{profile_text(ctx, g)}\n{own_values_text(ctx, g)}\n"
            f"Your best feasible package (engine-computed): {', '.join(rub.ids(ideal)) or 'nothing'}, "
            f"utility {float(ctx.ideals[g]):.2f}.\n"
            "State publicly how important each criterion is to your group (0 to 10), the items you insist "
            "on (must_have) and refuse (never), and a one-sentence reason. JSON fields: priorities, "
            "must_have, never, reason.")


def red_lines_text(ctx, g: int) -> str:
    """Group g's red lines in one clause ('none' when it has none)."""
    lines = ctx.scenario.groups[g].red_lines
    red = ([f"must have {', '.join(lines.must_have)}"] if lines.must_have else [])
    red += [f"never {', '.join(lines.never)}"] if lines.never else []
    red += [f"utility at least {lines.min_utility:g}"] if lines.min_utility is not None else []
    return "; ".join(red) or "none"


def stakeholder_prompt(ctx, g: int, x: np.ndarray, round_: int, candidates: list[Candidate],
                       ranking: list[np.ndarray] | None = None, stated: float | None = None) -> str:
    """The user turn: the round's public part, the group's brief and amendments, then the comparison it decides on.

    Read last, in the same units: the group's best feasible package, no agreement, its own last
    stated reservation (`stated`) and this draft, with the red lines the draft breaks. No rule.
    """
    rub = ctx.rubric
    group = ctx.scenario.groups[g]
    broken = ctx.red_lines_broken(g, x)
    cands = "\n".join(f"{i}. {c.amendment}: your utility {c.delta_utility:+.2f}, cost {c.delta_cost:+,.0f}"
                      for i, c in enumerate(candidates, 1)) or "(none)"
    ranked = ""
    if ranking:
        ranked = "\nYour utility of each candidate draft: " + "; ".join(
            f"{i}. {float(rub.values[g] @ y):.2f}" for i, y in enumerate(ranking, 1)) + "."
    fields = '"reservation" (the lowest utility your group would accept now), "decision" ("accept" or "object"), ' \
             '"choice" (amendment number or null), '
    fields += '"ranking" (candidate draft numbers, best first), ' if ranking else ""
    said = "none yet" if stated is None else f"{stated:.2f}"
    return (f"{round_text(ctx, round_, x, ranking or [])}\n---\n"
            f"You speak for the group '{group.id}' ({group.persona or group.label or group.id}); "
            f"red lines: {red_lines_text(ctx, g)}.\n"
            f"Amendments you may ask for (change in your utility, change in cost):\n{cands}{ranked}\n"
            f"Your group's utilities: best feasible package {float(ctx.ideals[g]):.2f}; no agreement "
            f"{float(ctx.disagreement_utilities[g]):.2f}; your last stated reservation {said}; "
            f"this draft {float(rub.values[g] @ x):.2f}."
            f"{' This draft breaks your red lines: ' + '; '.join(broken) + '.' if broken else ''}\n"
            f"Answer with JSON fields {fields}\"reason\" (one sentence).")


def mediator_system(ctx) -> str:
    """The mediator's system prompt: the shared public rubric (identical to the stakeholders')."""
    return public_system(ctx)


def mediator_prompt(ctx, round_: int, draft: np.ndarray | None,
                    objections: list[str], candidates: list[tuple[np.ndarray, str]],
                    utilities=None) -> str:
    """The user turn: the round's public part, objections, numbered candidate packages and the mediator's duty.

    `utilities(packages) -> (n, G)` gives the group utilities the mediator knows (believed ones under
    private information); by default the context's true utilities.
    """
    rub = ctx.rubric
    utilities = utilities or rub.utilities
    cands = []
    for i, (y, label) in enumerate(candidates, 1):
        u = ", ".join(f"{gid} {v:.2f}" for gid, v in zip(rub.group_ids, np.ravel(utilities(y))))
        cands.append(f"{i}. {label}: {', '.join(rub.ids(y)) or 'nothing'}; cost {rub.cost(y):,.0f}; "
                     f"utilities {u}")
    last = "Last draft: none yet." if draft is None else ""
    return (f"{round_text(ctx, round_, draft, [])} {last}\n---\nYou are the mediator. Table a package every "
            "group can accept; it must fit the budget and respect every red line.\n"
            f"Objections: {'; '.join(objections) or 'none'}.\n"
            "Candidate packages (feasible, computed by the engine):\n" + "\n".join(cands) + "\n"
            'JSON fields: "choice" (candidate number) or "items" (item ids of your own), "reason".')


def deliberative_prompt(ctx, round_: int, draft: np.ndarray | None, objections: list[str],
                        seeds: list[tuple[np.ndarray, str]], n: int) -> str:
    """The deliberative mediator's user turn: draft N candidate packages, each with a public statement."""
    rub = ctx.rubric
    seen = "\n".join(f"- {label}: {', '.join(rub.ids(y)) or 'nothing'} (cost {rub.cost(y):,.0f})"
                     for y, label in seeds)
    return (f"{round_text(ctx, round_, draft, [])}\n---\nYou are the mediator. Draft {n} different candidate "
            f"packages within the budget of {rub.budget:,.0f}, each with a one-sentence public statement; "
            "the groups will rank them.\n"
            f"Objections: {'; '.join(objections) or 'none'}.\nPackages on the table so far:\n{seen}\n"
            'JSON: {"proposals": [{"items": [item ids], "statement": "..."}, ...]}.')


REPAIR = ("Your previous answer was rejected: {why}. Answer again with one JSON object only, "
          "following the schema exactly.")
