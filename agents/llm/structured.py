"""Structured output on the wire: the `response_format` each provider gets and the default output cap.

Styles:
- `json_schema_strict`: OpenAI's hosted API (`{"type": "json_schema", "json_schema": {..., "strict": true}}`
  with the schema narrowed to what strict mode accepts: every property required, no extra
  properties, no defaults, no string-length keywords).
- `json_schema`: the same standard form, not strict, full schema (vLLM, llama.cpp's `llama-server`,
  LM Studio, Ollama's OpenAI endpoint).
- `json_object_schema`: `{"type": "json_object", "schema": ...}`, the form llama-cpp-python's
  server and the embedded model accept (its server answers the standard form with HTTP 500).
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

from pydantic import BaseModel

STYLES = ("json_schema_strict", "json_schema", "json_object_schema")
STRICT_UNSUPPORTED = ("default", "title", "maxLength", "minLength")
_NO_LIMIT_STRING = 64      # characters assumed for a string without maxLength
_NO_LIMIT_ITEMS = 12       # items assumed for an array without maxItems
CHARS_PER_TOKEN = 2        # deliberately low (JSON punctuation and ids tokenise poorly): a cap, not an estimate
CAP_MARGIN = 16            # tokens for whitespace and the end of the answer


def _resolve(node: dict, defs: dict) -> dict:
    ref = node.get("$ref")
    return defs[ref.rsplit("/", 1)[-1]] if ref else node


def _max_chars(node: dict, defs: dict) -> int:
    """An upper bound of the characters of a compact JSON value valid for this schema node."""
    node = _resolve(node, defs)
    if "enum" in node:
        return max(len(json.dumps(v)) for v in node["enum"])
    if "const" in node:
        return len(json.dumps(node["const"]))
    for key in ("anyOf", "oneOf"):
        if key in node:
            return max(_max_chars(n, defs) for n in node[key])
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        return 2 + sum(len(json.dumps(k)) + 2 + _max_chars(v, defs) for k, v in props.items()) + len(props)
    if kind == "array":
        return 2 + node.get("maxItems", _NO_LIMIT_ITEMS) * (_max_chars(node.get("items", {}), defs) + 2)
    if kind == "string":
        return 2 + node.get("maxLength", _NO_LIMIT_STRING)
    return {"integer": 11, "number": 24, "boolean": 5, "null": 4}.get(kind, _NO_LIMIT_STRING)


def token_cap(schema: type[BaseModel]) -> int:
    """The default output cap (`--llm-max-tokens`) for one answer of this schema.

    The longest compact JSON the schema allows, at 2 characters per token, plus a margin:
    room for any valid answer, never room for the rambling of an unconstrained model.
    """
    js = schema.model_json_schema()
    return math.ceil(_max_chars(js, js.get("$defs", {})) / CHARS_PER_TOKEN) + CAP_MARGIN


def strict_schema(js: dict) -> dict:
    """A JSON schema narrowed to OpenAI strict mode: all properties required, none extra, no defaults."""
    out = copy.deepcopy(js)

    def walk(node: Any) -> None:
        if not isinstance(node, dict):
            return
        for key in STRICT_UNSUPPORTED:
            node.pop(key, None)
        if node.get("type") == "object" and "properties" in node:
            node["required"] = list(node["properties"])
            node["additionalProperties"] = False
        for key in ("properties", "$defs"):
            for sub in node.get(key, {}).values():
                walk(sub)
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key, []):
                walk(sub)
        walk(node.get("items"))
    walk(out)
    return out


def response_format(schema: type[BaseModel], style: str | None) -> dict | None:
    """The `response_format` request field for a schema in a style (None: send none)."""
    if style is None:
        return None
    js = schema.model_json_schema()
    if style == "json_object_schema":
        return {"type": "json_object", "schema": js}
    if style == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": js, "strict": False}}
    if style == "json_schema_strict":
        return {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": strict_schema(js),
                                                       "strict": True}}
    raise ValueError(f"unknown structured-output style '{style}'; use one of {', '.join(STYLES)}")


def rejects_response_format(error: BaseException) -> bool:
    """True when a provider error says the server refused the request's `response_format`.

    llama-cpp-python's server answers the standard json_schema form with HTTP 500 naming
    `response_format`; other servers answer 400/422. Other errors are not format rejections.
    """
    status = getattr(error, "status_code", None)
    return status in (400, 422, 500) and "response_format" in str(error)
