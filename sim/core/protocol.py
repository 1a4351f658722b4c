"""The mediated single-negotiating-text protocol as a PettingZoo AEC environment.

Round 0 is the opening: the mediator publishes rubric and budget, each stakeholder states
its position (stated priorities, ideal package, red lines). In every later round the
mediator tables one draft (the engine repairs it to feasibility; with `elicitation: rank:K`
also K candidate drafts to rank) and each stakeholder accepts or objects with amendments.
The negotiation ends when the acceptance rule holds, or after `max_rounds` with the
disagreement outcome (with `clock_out: fallback`, the mediator moves once more and its
fallback package, computed from what was stated and decided, is the outcome).

Every statement passes through the group's `Voice` before anyone hears it. Under
`information: private` the mediator is handed the public view of the context and a public
state whose transcript has no engine annotations of true utilities (`PRIVATE_KEYS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv
from pettingzoo.utils import AgentSelector

from sim.core.ballots import cast
from sim.core.cache import owned
from sim.core.context import NegotiationContext, make_context
from sim.core.moves import MAX_AMENDMENTS, Amendment, Move, amendment_problem, decode_reply, draft_lookup, encode_draft
from sim.core.repair import repair
from sim.core.scenario import Scenario
from sim.core.views import PublicContext
from sim.core.voice import Voice

MEDIATOR = "mediator"
PRIVATE_KEYS = frozenset({"utility", "utilities", "engine_note", "override"})   # engine annotations, not statements


@dataclass
class Reply:
    """A stakeholder's validated reply to the current draft."""

    group: str
    accept: bool
    amendments: tuple[Amendment, ...]
    reason: str
    reservation: float | None = None   # the level the group stated publicly, if any
    ranking: tuple[int, ...] = ()      # the round's candidates, best first, if the group ranked them


@dataclass
class PublicState:
    """What everyone can see: round, current draft and candidates, replies, positions, the transcript."""

    round: int = 0
    draft: np.ndarray | None = None
    replies: dict[str, Reply] = field(default_factory=dict)
    last_replies: dict[str, Reply] = field(default_factory=dict)
    transcript: list[dict] = field(default_factory=list)
    positions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stated: dict[str, Move] = field(default_factory=dict)         # each group's position as heard
    candidates: list[np.ndarray] = field(default_factory=list)    # drafts put up for ranking
    last_candidates: list[np.ndarray] = field(default_factory=list)
    ballots: dict[str, tuple[str, ...]] = field(default_factory=dict)  # elicited ballots as cast (item ids)
    clock_out: bool = False        # the rounds ran out (protocol clock_out: fallback): the mediator's last word


@dataclass(frozen=True)
class Outcome:
    """How a negotiation ended."""

    agreement: bool
    package: np.ndarray
    rounds: int


def _spaces(ctx: NegotiationContext) -> tuple[dict, dict]:
    """Action and observation spaces per agent, built once per context (gymnasium spaces are slow to make)."""
    def build() -> tuple[dict, dict]:
        rub = ctx.rubric
        k, g = rub.n_items, rub.n_groups
        sizes = {MEDIATOR: 4 * k + 2 * g + 1, **{a: 3 * k + g + 2 for a in rub.group_ids}}
        act = {MEDIATOR: spaces.MultiBinary(k),
               **{a: spaces.MultiDiscrete([2] + [2 * k + 1] * MAX_AMENDMENTS) for a in rub.group_ids}}
        obs = {a: spaces.Box(-np.inf, np.inf, (n,), np.float32) for a, n in sizes.items()}
        return act, obs
    return owned(ctx, "spaces", build)


class NegotiationEnv(AECEnv):
    """Mediator first, then every stakeholder, once per round."""

    metadata = {"name": "negsim_mediated_v0", "render_modes": ["ansi"], "is_parallelizable": False}

    def __init__(self, context: NegotiationContext, render_mode: str | None = None,
                 voices: dict[str, Voice] | None = None) -> None:
        super().__init__()
        self.ctx = context
        self.render_mode = render_mode
        self.voices = dict(voices or {})
        rub = context.rubric
        self.groups = list(rub.group_ids)
        self.possible_agents = [MEDIATOR] + self.groups
        self._act, self._obs = _spaces(context)
        self.outcome: Outcome | None = None
        self.state_ = PublicState()

    def observation_space(self, agent: str) -> spaces.Space:
        """The observation space of `agent` (a float vector; the mediator's is longer)."""
        return self._obs[agent]

    def action_space(self, agent: str) -> spaces.Space:
        """The action space of `agent`: a 0/1 draft for the mediator, accept/object and amendments for a group."""
        return self._act[agent]

    # -- lifecycle -----------------------------------------------------------------
    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        """Start a negotiation: every agent live, round 0, an empty transcript, the mediator to move."""
        self.np_random = np.random.default_rng(seed)
        self.agents = list(self.possible_agents)
        self.rewards = {a: 0.0 for a in self.agents}
        self._cumulative_rewards = {a: 0.0 for a in self.agents}
        self.terminations = {a: False for a in self.agents}
        self.truncations = {a: False for a in self.agents}
        self.infos = {a: {} for a in self.agents}
        self.outcome = None
        self.state_ = PublicState()
        self._public_rows: list[dict] = []
        self._selector = AgentSelector(self.agents)
        self.agent_selection = self._selector.reset()

    def step(self, action) -> None:
        """Apply the selected agent's action (a Move or its encoded array) and pass the turn.

        The last group's reply closes the round: agreement or the round limit ends the negotiation.
        """
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self._cumulative_rewards[agent] = 0.0
        if agent == MEDIATOR:
            self._mediator_step(action)
        else:
            self._stakeholder_step(agent, action)
            if agent == self.groups[-1]:
                self._end_of_round()
        self.agent_selection = self._selector.next()
        self._accumulate_rewards()

    # -- what each agent is handed --------------------------------------------------
    def agent_context(self, agent: str) -> NegotiationContext | PublicContext:
        """The context `agent` is reset with: the public view for the mediator under private information."""
        return self.ctx.public if agent == MEDIATOR and self.ctx.private else self.ctx

    def view(self, agent: str) -> PublicState:
        """The state `agent` acts on: under private information, the transcript without engine annotations."""
        if not self.ctx.private:
            return self.state_
        st = self.state_
        return PublicState(st.round, st.draft, st.replies, st.last_replies, self._public_rows,
                           st.positions, st.stated, st.candidates, st.last_candidates, st.ballots, st.clock_out)

    def _repair(self, x: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """The engine's repair: by the true total value under full information, the public prior's under private."""
        return repair(self.ctx.public if self.ctx.private else self.ctx, x)

    # -- moves ---------------------------------------------------------------------
    def _mediator_step(self, action) -> None:
        st, rub = self.state_, self.ctx.rubric
        if st.round == 0:
            self._log(MEDIATOR, "mediator", "publish", reason=(
                f"Rubric of {rub.n_items} items on {len(rub.criterion_ids)} criteria; "
                f"budget {rub.budget:,.0f}; acceptance {self._rule_text()}"),
                cost=0.0, meta=_meta(action))
            return
        x = encode_draft(action, rub.item_index) if isinstance(action, Move) else \
            np.asarray(action, dtype=np.int8).ravel()
        fixed, notes = self._repair(x)
        if st.clock_out:
            self._fallback = action.reason if isinstance(action, Move) else "fallback"
            self._finish(Outcome(False, np.array(fixed, dtype=np.int8), st.round))
            return
        st.draft = fixed
        st.replies = {}
        st.last_candidates = st.candidates
        st.candidates = self._candidates(fixed, action)
        reason = action.reason if isinstance(action, Move) else "draft"
        self._log(MEDIATOR, "mediator", "draft", package=rub.ids(fixed), cost=rub.cost(fixed),
                  reason=reason, utilities=_rounded(rub.utilities(fixed)), meta=_meta(action),
                  candidates=[rub.ids(c) for c in st.candidates] or None)
        if notes:
            self._log("engine", "engine", "repair", package=rub.ids(fixed), reason="; ".join(notes))

    def _candidates(self, draft: np.ndarray, action) -> list[np.ndarray]:
        """The drafts put up for ranking (elicitation rank:K): the draft first, then the mediator's others, repaired."""
        k = self.ctx.protocol.rank_k
        if not k or not isinstance(action, Move) or not action.candidates:
            return []
        index = self.ctx.rubric.item_index
        out, seen = [draft], {draft.tobytes()}
        for ids in action.candidates:
            if any(i not in index for i in ids):
                continue
            y = self._repair(self.ctx.rubric.package(list(ids)))[0]
            if y.tobytes() not in seen and len(out) < k:
                seen.add(y.tobytes())
                out.append(y)
        return out if len(out) > 1 else []
    def _stakeholder_step(self, agent: str, action) -> None:
        st, rub = self.state_, self.ctx.rubric
        g = rub.group_index[agent]
        move = action if isinstance(action, Move) else decode_reply(action, rub.item_ids)
        voice = self.voices.get(agent)
        said = voice.speak(move, float(self.ctx.ideals[g])) if voice is not None else move
        if st.round == 0:
            self._position(agent, g, move if move.kind == "position" else Move("position"), said)
            return
        reply, note = self._validate_reply(g, move, said)
        st.replies[agent] = reply
        override = None
        if move.kind == "accept" and not reply.accept:    # a true red line turned the accept into an objection
            override = {"event": "red_line_override",
                        "cause": "red line broken: " + "; ".join(self.ctx.red_lines_broken(g, st.draft))}
        self._log(agent, "stakeholder", "accept" if reply.accept else "object",
                  amendments=[str(a) for a in reply.amendments], reason=reply.reason,
                  utility=round(float(rub.values[g] @ st.draft), 6),
                  reservation=None if reply.reservation is None else round(reply.reservation, 6),
                  ranking=list(reply.ranking) or None, engine_note=note or None, override=override,
                  meta=_meta(move))

    def _position(self, agent: str, g: int, move: Move, said: Move) -> None:
        """Record a round-0 position as heard: stated priorities, ideal package and red lines (unknown ids dropped)."""
        rub, crit = self.ctx.rubric, set(self.ctx.rubric.criterion_ids)
        said = Move("position", package=tuple(i for i in said.package if i in rub.item_index),
                    reason=said.reason,
                    priorities=tuple((c, float(w)) for c, w in said.priorities if c in crit and w >= 0),
                    must_have=tuple(i for i in said.must_have if i in rub.item_index),
                    never=tuple(i for i in said.never if i in rub.item_index),
                    min_utility=said.min_utility)
        self.state_.positions[agent] = said.package
        self.state_.stated[agent] = said
        ballot = self._ballot(agent, g)
        self._log(agent, "stakeholder", "position", package=list(said.package) or None,
                  priorities=dict(said.priorities) or None, must_have=list(said.must_have) or None,
                  never=list(said.never) or None, min_utility=said.min_utility, ballot=ballot,
                  utility=round(float(self.ctx.ideals[g]), 6), reason=said.reason, meta=_meta(move))

    def _ballot(self, agent: str, g: int) -> list[str] | None:
        """The ballot the engine casts for a group from its true values, through its voice (elicitation)."""
        fmt, rub = self.ctx.protocol.ballot, self.ctx.rubric
        if fmt is None:
            return None
        voice = self.voices.get(agent) or Voice()
        v = voice.ballot_values(rub.criterion_values[g], rub.weights[g])
        if v is None:
            return None
        ids = tuple(rub.item_ids[k] for k in cast(rub, fmt, v))
        self.state_.ballots[agent] = ids
        return list(ids)

    def _validate_reply(self, g: int, move: Move, said: Move) -> tuple[Reply, str]:
        """The reply as heard: the decision is `move`'s, the statements `said`'s.

        Illegal amendments are dropped (recorded in the reason), a ranking that is not an order
        of the round's candidates is dropped, and a broken true red line overrides an accept
        (recorded as an engine note, kept out of the mediator's view under private information).
        """
        draft, rub = self.state_.draft, self.ctx.rubric
        legal, bad = [], []
        in_draft = draft_lookup(draft, rub.item_index)
        for a in said.amendments[:MAX_AMENDMENTS]:
            (bad if amendment_problem(a, rub.item_index, in_draft) else legal).append(a)
        reason, note = said.reason, ""
        if bad:
            reason += f" [engine ignored illegal amendments: {', '.join(map(str, bad))}]"
        accept = move.kind == "accept"
        broken = self.ctx.red_lines_broken(g, draft)
        if accept and broken:
            accept, note = False, f"red line broken: {'; '.join(broken)}"
            if not self.ctx.private:        # under full information everyone may read it, as before
                reason += f" [engine: {note}]"
        n = len(self.state_.candidates)
        ranking = tuple(int(i) for i in said.ranking)
        if ranking and sorted(ranking) != list(range(n)):
            note = (note + "; " if note else "") + f"ignored ranking {list(ranking)} (not an order of {n} candidates)"
            ranking = ()
        return Reply(rub.group_ids[g], accept, tuple(legal) if not accept else (), reason,
                     said.reservation, ranking), note

    def _end_of_round(self) -> None:
        st = self.state_
        if st.round == 0:
            st.round = 1
            return
        accepts = {a for a, r in st.replies.items() if r.accept}
        agreed = self.ctx.accepted(accepts)
        st.last_replies = dict(st.replies)
        if not agreed and st.round >= self.ctx.max_rounds and self.ctx.protocol.clock_out == "fallback":
            st.clock_out = True               # the mediator moves once more: its fallback ends the run
        elif agreed or st.round >= self.ctx.max_rounds:
            pkg = st.draft if agreed else self.ctx.disagreement_package
            self._finish(Outcome(bool(agreed), np.array(pkg, dtype=np.int8), st.round))
        else:
            st.round += 1

    def _finish(self, outcome: Outcome) -> None:
        rub = self.ctx.rubric
        self.outcome = outcome
        utils = rub.utilities(outcome.package)
        self.rewards = {a: float(utils[rub.group_index[a]]) for a in self.groups}
        self.rewards[MEDIATOR] = float(utils.sum())
        self.terminations = {a: True for a in self.agents}
        self._log("engine", "engine", "outcome", package=rub.ids(outcome.package),
                  cost=rub.cost(outcome.package), utilities=_rounded(utils),
                  reason="agreement" if outcome.agreement else
                  f"no agreement after {outcome.rounds} rounds: " + (
                      f"the mediator's fallback ({self._fallback})" if self.state_.clock_out
                      else self.ctx.protocol.disagreement))

    # -- observations ----------------------------------------------------------------
    def observe(self, agent: str) -> np.ndarray:
        """The observation vector of `agent`.

        Draft, item cost shares, last replies and round progress for all; the mediator also sees group
        utilities and requested adds and drops, a group its own values and utility of the draft.
        """
        rub, st = self.ctx.rubric, self.state_
        draft = st.draft if st.draft is not None else np.zeros(rub.n_items, dtype=np.int8)
        replies = np.array([0.0 if g not in st.last_replies else
                            (1.0 if st.last_replies[g].accept else -1.0) for g in self.groups])
        frac = [st.round / self.ctx.max_rounds]
        cost_share = rub.costs / rub.budget
        if agent == MEDIATOR:
            adds, drops = self._request_counts()
            utilities = np.zeros(rub.n_groups) if self.ctx.private else rub.utilities(draft)
            parts = [draft, cost_share, utilities, replies, adds, drops, frac]
        else:
            values = rub.values[rub.group_index[agent]]
            parts = [draft, values, cost_share, replies, frac, [float(values @ draft)]]
        return np.concatenate([np.asarray(p, dtype=np.float32) for p in parts])

    def _request_counts(self) -> tuple[np.ndarray, np.ndarray]:
        rub = self.ctx.rubric
        adds, drops = np.zeros(rub.n_items), np.zeros(rub.n_items)
        for r in self.state_.last_replies.values():
            for a in r.amendments:
                (drops if a.op == "drop" else adds)[rub.item_index[a.item]] += 1
                if a.op == "swap":
                    drops[rub.item_index[a.other]] += 1
        return adds, drops

    def render(self) -> str | None:
        """The transcript as text, one line per entry, in `ansi` mode; None otherwise."""
        if self.render_mode == "ansi":
            return "\n".join(f"[{r['round']}] {r['agent']} {r['kind']}: {r.get('reason', '')}"
                             for r in self.state_.transcript)
        return None

    def close(self) -> None:
        """Nothing to release; part of the PettingZoo API."""
        pass

    # -- helpers -------------------------------------------------------------------
    def _rule_text(self) -> str:
        rule = self.ctx.protocol.acceptance
        return rule if isinstance(rule, str) else f"quorum {rule.quorum}"

    def _log(self, agent: str, role: str, kind: str, **fields) -> None:
        row = {"round": self.state_.round, "step": len(self.state_.transcript),
               "agent": agent, "role": role, "kind": kind}
        row.update({k: v for k, v in fields.items() if v is not None and v != {}})
        self.state_.transcript.append(row)
        if self.ctx.private:
            self._public_rows.append({k: v for k, v in row.items() if k not in PRIVATE_KEYS})


def _meta(move) -> dict | None:
    return dict(move.meta) if isinstance(move, Move) and move.meta else None


def _rounded(u: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in u]


def env(scenario: Scenario | NegotiationContext, render_mode: str | None = None,
        **overrides) -> NegotiationEnv:
    """PettingZoo-style constructor: `sim.core.protocol.env(scenario)`."""
    ctx = scenario if isinstance(scenario, NegotiationContext) else make_context(scenario, **overrides)
    return NegotiationEnv(ctx, render_mode=render_mode)
