"""An LLM player of 2x2 repeated games, with the optional "predict the other first" step.

The chat model is injected (any langchain BaseChatModel; tests use langchain-core's fake
chat models). Each round the model sees the payoffs and the history and answers with an
option label; with `predict_first` it is first asked which option the other player will
choose, and its prediction is kept in the conversation (social chain-of-thought, Akata
et al. 2023). Unreadable answers get one repair prompt, then a recorded tit-for-tat
fallback, never a silent random move.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.games.matches import GameView

SYSTEM = ("You are playing a repeated game with another player for {rounds} rounds. In each round "
          "you both choose Option {a} or Option {b} at the same time. Payoffs:\n{table}\n"
          "Answer with the option label only.")


def payoff_table(view: GameView) -> str:
    """The payoffs from the player's own point of view, one line per joint choice."""
    a = view.options
    return "\n".join(f"- you {a[i]}, other {a[j]}: you get {view.own[i, j]:g}, the other gets {view.other[j, i]:g}"
                     for i in range(2) for j in range(2))


def history_text(view: GameView, own: Sequence[int], other: Sequence[int]) -> str:
    """The rounds played so far from the player's own point of view, and the number of this round."""
    if not own:
        return "This is round 1."
    lines = [f"round {t + 1}: you {view.options[a]}, other {view.options[b]}, you got {view.own[a, b]:g}"
             for t, (a, b) in enumerate(zip(own, other))]
    return "History:\n" + "\n".join(lines) + f"\nThis is round {len(own) + 1}."


def parse_option(text: str, options: tuple[str, str]) -> int | None:
    """The option named in an answer ('Option D', 'I choose C.'); None if none or both are named."""
    words = re.findall(r"[A-Za-z0-9_]+", str(text))
    found = {options.index(w) for w in words if w in options}
    if not found:
        found = {i for w in words for i, o in enumerate(options) if w.lower() == o.lower()}
    return found.pop() if len(found) == 1 else None     # none or both named: unclear


@dataclass
class LLMGamePlayer:
    """Plays a 2x2 game through an injected chat model."""

    model: Any
    predict_first: bool = False
    name: str = "llm"
    log: list[dict] = field(default_factory=list, repr=False)

    def reset(self, view: GameView, rng: np.random.Generator) -> None:
        """Start a match: clear the log, the call and fallback counters and the predictions."""
        self.view, self.rng = view, rng
        self.log = []
        self.calls = self.fallbacks = 0
        self.predictions: list[int | None] = []

    def _ask(self, messages: list) -> str:
        self.calls += 1
        reply = self.model.invoke(messages)
        return str(getattr(reply, "content", reply))

    def _choose(self, messages: list, question: str) -> tuple[int | None, str]:
        from langchain_core.messages import AIMessage, HumanMessage

        messages.append(HumanMessage(question))
        answer = self._ask(messages)
        move = parse_option(answer, self.view.options)
        if move is None:
            a, b = self.view.options
            messages += [AIMessage(answer), HumanMessage(f"Please answer with exactly {a} or {b}.")]
            answer = self._ask(messages)
            move = parse_option(answer, self.view.options)
        messages.append(AIMessage(answer))
        return move, answer

    def act(self, own: Sequence[int], other: Sequence[int]) -> int:
        """Ask the model for this round's option (after its prediction with `predict_first`).

        An answer that names no option after the repair prompt falls back to tit-for-tat, counted and logged.
        """
        from langchain_core.messages import SystemMessage

        v = self.view
        a, b = v.options
        messages: list = [SystemMessage(SYSTEM.format(rounds=v.rounds, a=a, b=b, table=payoff_table(v)))]
        context = history_text(v, own, other)
        entry: dict = {"round": len(own) + 1}
        if self.predict_first:
            guess, text = self._choose(messages, f"{context}\nWhich option will the other player choose?")
            self.predictions.append(guess)
            entry["prediction"] = None if guess is None else v.options[guess]
            context = "Given your prediction,"
        move, text = self._choose(messages, f"{context}\nWhich option do you choose?")
        entry["answer"] = text[:200]
        if move is None:
            self.fallbacks += 1
            move = int(other[-1]) if other else 0
            entry["fallback"] = "tit_for_tat: the answer named no option"
        entry["move"] = v.options[move]
        self.log.append(entry)
        return move

    def details(self) -> dict:
        """Calls, fallbacks, prediction accuracy and the per-round log (for the match record)."""
        return {"calls": self.calls, "fallbacks": self.fallbacks, "predict_first": self.predict_first,
                "log": list(self.log)}


def prediction_accuracy(player: LLMGamePlayer, other_moves: Sequence[int]) -> float | None:
    """Share of rounds in which the predicted move equals the other's realised move."""
    pairs = [(p, o) for p, o in zip(player.predictions, other_moves) if p is not None]
    return None if not pairs else float(np.mean([p == o for p, o in pairs]))


def make_game_player(spec: str, model: Any = None, **_: Any) -> LLMGamePlayer:
    """`llm` or `llm:predict` with an injected chat model."""
    option = spec.partition(":")[2]
    if option not in ("", "predict"):
        raise KeyError(f"unknown llm option '{option}'; use llm or llm:predict")
    if model is None:
        raise ValueError("an llm player needs a chat model (the CLI builds one from --llm)")
    return LLMGamePlayer(model, predict_first=option == "predict", name=spec)
