"""The local path: the grammar keeps the schema's field order, the order the prompt asks for.

llama.cpp's JSON-schema grammar lets a model write object fields only in the order of the
schema text it was compiled from (required fields first). A grammar compiled from sorted keys
(decision, amendment, choice, ranking, reason, reservation) left a model that follows the
prompt (then: decision, choice, reservation, ranking, reason) no way to write a ranking or a
reason after its reservation. The prompt now asks for the reservation first, then the decision.
The grammar is checked with a small GBNF recogniser (tests/agents/gbnf.py), no model needed.
"""

from __future__ import annotations

import json
import re
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

llama_cpp = pytest.importorskip("llama_cpp")
from llama_cpp.llama_grammar import json_schema_to_gbnf  # noqa: E402

from agents.llm.models import LlamaCppChat, structured_style  # noqa: E402
from agents.llm.prompts import StakeholderReply, stakeholder_prompt  # noqa: E402
from agents.llm.structured import response_format  # noqa: E402
from sim.core.context import make_context  # noqa: E402
from tests.agents.gbnf import accepts  # noqa: E402
from tests.conftest import TINY  # noqa: E402


def _compiled_schema_text() -> str:
    """The schema text the embedded model's grammar is compiled from, on the stakeholder's own path."""
    fmt = response_format(StakeholderReply, structured_style("local"))
    seen = []
    with mock.patch.object(llama_cpp.LlamaGrammar, "from_json_schema",
                           side_effect=lambda text, verbose=False: seen.append(text) or text):
        LlamaCppChat(model_path="unused.gguf")._grammar(fmt["schema"])
    return seen[0]


GRAMMAR = json_schema_to_gbnf(_compiled_schema_text())


def _prompt_fields() -> list[str]:
    """The JSON field names the stakeholder prompt asks for, in the order it names them."""
    from sim.core.scenario import load_scenario

    ctx = make_context(load_scenario(TINY))
    x = ctx.disagreement_package
    text = stakeholder_prompt(ctx, 0, x, 1, [], [x, np.ones_like(x)])
    return re.findall(r'"(\w+)" \(', text.rsplit("JSON fields", 1)[1])


def test_the_prompt_names_its_fields_in_the_grammar_order():
    fields = _prompt_fields()
    order = list(json.loads(_compiled_schema_text())["properties"])
    assert fields == ["reservation", "decision", "choice", "ranking", "reason"]
    assert [f for f in order if f in fields] == fields


def test_the_oracle_rejects_the_sorted_grammar():
    """The recogniser can fail: a sorted-key grammar refuses the reservation before the decision."""
    sorted_grammar = json_schema_to_gbnf(json.dumps(StakeholderReply.model_json_schema(), sort_keys=True))
    reply = json.dumps({"reservation": 1.5, "decision": "object", "reason": "too little for us"})
    assert accepts(GRAMMAR, reply) and not accepts(sorted_grammar, reply)


reasons = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)


@settings(max_examples=40, deadline=None)
@given(decision=st.sampled_from(["accept", "object"]), choice=st.none() | st.integers(1, 6),
       reservation=st.none() | st.floats(-20, 20).map(lambda v: round(v, 2)),
       ranking=st.none() | st.permutations([1, 2, 3, 4]), reason=reasons,
       keep=st.lists(st.booleans(), min_size=4, max_size=4))
def test_a_reply_in_the_prompt_order_can_always_finish_with_a_ranking_and_a_reason(
        decision, choice, reservation, ranking, reason, keep):
    reply = {"reservation": reservation, "decision": decision, **({"choice": choice} if keep[0] else {})}
    reply.update(ranking=ranking or [2, 1], reason=reason)     # always end with both
    text = json.dumps(reply)
    assert accepts(GRAMMAR, text), text
    assert StakeholderReply.model_validate_json(text).reason == reason


def test_the_run_seed_and_the_thread_count_reach_the_embedded_model(tmp_path):
    from agents.llm.factory import make_client, run_client
    from agents.llm.models import LLMSettings

    path = tmp_path / "m.gguf"
    path.write_bytes(b"GGUF")                      # never loaded: the model loads on its first call
    client = make_client(f"gguf:{path}", seed=7, settings=LLMSettings(threads=3))
    assert (client.model.seed, client.model.n_threads) == (7, 3)
    assert client.call_options(StakeholderReply)["seed"] == 7
    sweep_run = run_client(f"gguf:{path}", 11, str(tmp_path / "cache.jsonl"))   # a sweep's worker model, shared
    assert sweep_run.call_options(None) == {"seed": 11}


@pytest.mark.parametrize("cores, load, free", [(2, 0.0, 2), (2, 0.9, 1), (2, 1.5, 1), (2, 12.0, 1), (8, 3.2, 4)])
def test_the_default_thread_count_is_the_cores_free_now(cores, load, free):
    from sim.core import machine

    with mock.patch.object(machine.os, "cpu_count", return_value=cores), \
            mock.patch.object(machine.os, "getloadavg", return_value=(load, load, load)):
        assert machine.free_cores() == free
