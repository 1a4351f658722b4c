"""The structured-output helpers: output cap from a schema's size, OpenAI strict schemas, response_format forms."""

from __future__ import annotations

import json
import string
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from agents.llm.prompts import MediatorDraft, StakeholderReply
from agents.llm.structured import (
    CAP_MARGIN,
    CHARS_PER_TOKEN,
    rejects_response_format,
    response_format,
    strict_schema,
    token_cap,
)

# printable text that JSON does not escape, so a string of n characters is n + 2 characters of JSON
TEXT = st.text(alphabet=string.ascii_letters + string.digits + " .,;:!?-_()'", max_size=200)
INTS = st.none() | st.integers(-10**9, 10**10 - 1)


class Tiny(BaseModel):
    x: Literal["ab"]


class Titled(BaseModel):
    title: str = Field("", max_length=5)
    default: int | None = None


def test_token_cap_known_answers():
    # {"x":"ab"}: 2 braces + '"x"' 3 + 2 + '"ab"' 4 + 1 separator = 12 characters -> 6 tokens + 16
    assert token_cap(Tiny) == 6 + CAP_MARGIN == 22
    assert (token_cap(StakeholderReply), token_cap(MediatorDraft)) == (284, 453)


@settings(max_examples=60, deadline=None)
@given(decision=st.sampled_from(["accept", "object"]), choice=INTS,
       amendment=st.none() | TEXT.map(lambda t: t[:104]), reason=TEXT)
def test_every_valid_stakeholder_reply_fits_under_the_cap(decision, choice, amendment, reason):
    text = StakeholderReply(decision=decision, choice=choice, amendment=amendment, reason=reason).model_dump_json()
    assert len(text) <= (token_cap(StakeholderReply) - CAP_MARGIN) * CHARS_PER_TOKEN


@settings(max_examples=60, deadline=None)
@given(choice=INTS, items=st.none() | st.lists(TEXT.map(lambda t: t[:48]), max_size=12), reason=TEXT)
def test_every_valid_mediator_draft_fits_under_the_cap(choice, items, reason):
    text = MediatorDraft(choice=choice, items=items, reason=reason).model_dump_json()
    assert len(text) <= (token_cap(MediatorDraft) - CAP_MARGIN) * CHARS_PER_TOKEN


def test_strict_schema_strips_keywords_not_properties_named_like_them():
    js = strict_schema(Titled.model_json_schema())
    assert list(js["properties"]) == ["title", "default"] and js["required"] == ["title", "default"]
    assert js["additionalProperties"] is False
    assert "maxLength" not in json.dumps(js) and "default" not in js["properties"]["default"]


def test_response_format_forms():
    js = StakeholderReply.model_json_schema()
    assert response_format(StakeholderReply, None) is None
    assert response_format(StakeholderReply, "json_object_schema") == {"type": "json_object", "schema": js}
    assert response_format(StakeholderReply, "json_schema")["json_schema"]["schema"] == js
    with pytest.raises(ValueError):
        response_format(StakeholderReply, "xml")


class StatusError(Exception):
    def __init__(self, status, text):
        super().__init__(text)
        self.status_code = status


@pytest.mark.parametrize("status, text, refused", [
    (500, "validation error: ('body', 'response_format', 'type')", True),
    (400, "response_format.type must be json_schema", True),
    (500, "the model crashed", False),
    (429, "response_format rate", False),
])
def test_only_a_refused_response_format_counts_as_refusal(status, text, refused):
    assert rejects_response_format(StatusError(status, text)) is refused
    assert rejects_response_format(ConnectionError("response_format")) is False
