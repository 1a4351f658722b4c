"""Counterfactual reruns: a run again with the same seeds, one transcript move edited, on from there.

The parent's settings come from its summary.json (seed, mediator, agents, round limit, the lab's
opening) and its scenario.yaml copy. The edited agent is asked as usual (so every generator
draws exactly as in the parent) and its answer for that turn is replaced by the edit, which the
engine then checks as any move. The new run must equal the parent row for row before the edit;
if not (an agent that cannot be replayed) the rerun is refused rather than mislabelled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.core.errors import NegsimError
from sim.core.moves import MAX_AMENDMENTS, Move, amendment_problem, move_from_row
from sim.core.protocol import MEDIATOR
from sim.core.records import jsonable
from sim.core.summary import RunFolder, load_run
from sim.run.registry import AgentSpec
from sim.run.runner import RunConfig, RunResult, run_negotiation

__all__ = ["EDITABLE", "Parent", "RerunError", "draft_before", "edit_options", "load_parent", "rerun_from"]

EDITABLE = ("draft", "accept", "object")


class RerunError(NegsimError, ValueError):
    """A bad row number, an illegal edited move, or a parent that cannot be replayed."""

    def __init__(self, message: str) -> None:
        if len(message) > 400:                  # a quoted move may be huge: keep the start and the fix
            message = message[:200] + " ... " + message[-150:]
        super().__init__(message)


Parent = RunFolder          # a run folder to rerun from (the one run-folder type, sim.core.summary)


def load_parent(folder: Path) -> RunFolder:
    """Read a run folder's summary, transcript and scenario copy."""
    return load_run(folder)


def _config(parent: Parent) -> RunConfig:
    s = parent.summary
    agents = dict(s.get("agents") or {})
    mediator = str(agents.pop(MEDIATOR, None) or s.get("mediator"))
    specs = [mediator, *agents.values()]
    if any(AgentSpec.parse(spec).name == "llm" for spec in specs):
        raise RerunError(f"{parent.folder}: agents: LLM agents cannot be replayed move for move here; "
                         "fix: rerun a run of rule-based agents (or a human seat)")
    opening = s.get("opening")
    return RunConfig(seed=s.get("seed"), mediator=mediator, max_rounds=s.get("max_rounds"),
                     lineup={g: str(spec) for g, spec in agents.items()},
                     mediator_options={"opening": tuple(opening)} if opening else {})


def draft_before(transcript: list[dict], at: int) -> list[str]:
    """The draft on the table at transcript row `at` (the last draft row before it)."""
    for row in reversed(transcript[:at]):
        if row.get("kind") == "draft":
            return list(row.get("package") or [])
    return []


def edit_options(parent: Parent) -> list[int]:
    """Transcript rows that can be edited: every draft and every accept or objection."""
    return [i for i, r in enumerate(parent.transcript) if r.get("kind") in EDITABLE and int(r.get("round", 0)) >= 1]


def _check_move(parent: Parent, at: int, new: dict) -> Move:
    """The edited move, checked against the row it replaces and the draft on the table."""
    n = len(parent.transcript)
    where = f"{parent.folder}: --at {at}"
    if not 0 <= at < n:
        raise RerunError(f"{where}: no such row (transcript.jsonl has rows 0 to {n - 1}); fix: pick a row in range")
    old = parent.transcript[at]
    if at not in edit_options(parent):
        raise RerunError(f"{where}: row is the {old.get('kind')} entry of {old.get('agent')}, not a move an agent "
                         f"made; fix: pick a draft, accept or object row (e.g. {edit_options(parent)[:3]})")
    try:
        move = move_from_row(new)
    except ValueError as err:
        raise RerunError(f"{parent.folder}: --move: {err}") from None
    mediator = old.get("role") == MEDIATOR
    if mediator != (move.kind == "draft"):
        need = "draft" if mediator else "accept or object"
        raise RerunError(f"{parent.folder}: --move: kind: row {at} is a {old.get('role')} move; fix: use kind {need}")
    ids = set(parent.scenario.item_ids)
    named = list(move.package) + [i for a in move.amendments for i in (a.item, a.other) if i]
    unknown = [i for i in named if i not in ids]
    if unknown:
        raise RerunError(f"{parent.folder}: --move: unknown item id '{unknown[0]}'; fix: use ids from scenario.yaml")
    if not mediator:
        _check_amendments(parent, at, move)
    return Move(move.kind, move.package, move.amendments, move.reason or f"{move.kind} (edited)",
                move.reservation, {"edited": True})


def _check_amendments(parent: Parent, at: int, move: Move) -> None:
    draft = set(draft_before(parent.transcript, at))
    if len(move.amendments) > MAX_AMENDMENTS:
        raise RerunError(f"{parent.folder}: --move: amendments: at most {MAX_AMENDMENTS}; fix: ask fewer changes")
    known = {i.id for i in parent.scenario.items}
    for a in move.amendments:
        if why := amendment_problem(a, known, draft.__contains__):
            raise RerunError(f"{parent.folder}: --move: amendments: '{a}' does not apply to the draft on the table "
                             f"at row {at} ({why}); fix: add items outside the draft, drop or swap out items in it")


class _Edited:
    """Wraps the agent of the edited row: asked as usual, its answer in that round replaced."""

    def __init__(self, inner: Any, round_: int, move: Move, spec: str) -> None:
        self.inner, self.round, self.move = inner, round_, move
        self.recorded_spec = spec          # the edit is recorded under `edited`; the seat keeps its spec

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def reset(self, ctx, rng) -> None:
        """Reset the wrapped agent."""
        self.inner.reset(ctx, rng)

    def act(self, state) -> Move:
        """The wrapped agent's move, or the edit in the edited round."""
        move = self.inner.act(state)
        return self.move if state.round == self.round else move


def _same(a: dict, b: dict) -> bool:
    def norm(row):
        return json.loads(json.dumps(jsonable({k: v for k, v in row.items() if k != "meta"})))
    return norm(a) == norm(b)


def rerun_from(parent: Parent, at: int, new: dict) -> tuple[RunResult, dict]:
    """The counterfactual run and the summary.json keys that record its parent and the edit."""
    move = _check_move(parent, at, new)
    old = parent.transcript[at]
    config = _config(parent)
    answers = _human_answers(parent, config)

    def prepare(agents: dict) -> dict:
        for gid, script in answers.items():
            agents[gid].extend(script)
        seat = old["agent"]
        spec = (config.mediator or parent.scenario.protocol.mediator) if seat == MEDIATOR else config.agent_spec(seat)
        agents[seat] = _Edited(agents[seat], int(old["round"]), move, spec)
        return agents
    try:
        result = run_negotiation(parent.scenario, config, prepare=prepare)
    except RerunError:
        raise
    except NegsimError as err:          # e.g. a human seat that would need an answer it never gave
        raise RerunError(f"{parent.folder}: cannot finish the rerun: {err}; fix: play the human seat "
                         "on from there on the dashboard's Play page") from None
    for i, (a, b) in enumerate(zip(result.transcript[:at], parent.transcript[:at])):
        if not _same(a, b):
            raise RerunError(f"{parent.folder}: the rerun differs from the parent at row {i}, before the edit; "
                             "fix: rerun only runs made by this version of negsim with rule-based agents")
    extra = {"parent": str(parent.folder), "edited": {"row": at, "original": old, "move": new},
             "parent_summary": {k: parent.summary.get(k) for k in ("agreement", "rounds", "package")}}
    if parent.summary.get("opening"):
        extra["opening"] = parent.summary["opening"]
    if parent.summary.get("human"):
        extra["human"] = parent.summary["human"]
    return result, extra


def _human_answers(parent: Parent, config: RunConfig) -> dict[str, list[dict]]:
    """The recorded answers of every human seat, replayed in order."""
    seats = [g for g, spec in config.lineup.items() if AgentSpec.parse(spec).name == "human"]
    return {g: [{k: r.get(k) for k in ("kind", "amendments", "reason", "reservation")}
                for r in parent.transcript
                if r.get("agent") == g and r.get("kind") in ("accept", "object") and int(r.get("round", 0)) >= 1]
            for g in seats}
