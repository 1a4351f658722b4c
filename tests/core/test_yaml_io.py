"""The libyaml fast path for untrusted files gives the bounded pure-Python loader's outcome, always.

Oracle: `safe_load_yaml(..., fast=False)` (issue 23's loader, the composer-hooked depth check and
the node-tree tag/alias check) and the data that was dumped. Limits are shrunk with monkeypatch so
the boundaries are reached with tiny documents.
"""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core import files, yaml_io
from sim.core.files import safe_load_yaml
from sim.core.limits import MAX_YAML_DEPTH
from sim.core.scenario import ScenarioError
from sim.core.yaml_io import checked_fast_load, yaml_dump

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
scalars = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.text(max_size=8)
           | st.floats(allow_nan=False) | st.sampled_from(["=", "<<", "~", "1_000", "0x1f", "2001-12-14", "yes"]))
data = st.recursive(scalars, lambda kids: st.lists(kids, max_size=4)
                    | st.dictionaries(st.text(max_size=5), kids, max_size=4), max_leaves=25)
# Characters where libyaml and PyYAML's scanner disagree were found with this alphabet (300,000 texts).
yamlish = st.text(st.sampled_from(list("ab01=:-[]{},&*!|>?%@`+ \n\t\r.#'\"~<\x85\u2028\ufeffé")), max_size=30)


def outcome(text: str | bytes, fast: bool) -> str:
    """The parsed data or the one-line refusal, as text (nan-safe, order-sensitive)."""
    try:
        return "data " + repr(safe_load_yaml(text, "f.yaml", ScenarioError, fast=fast))
    except ScenarioError as err:
        return "error " + str(err)


def shared(value):
    """The value with one sub-value repeated, so the dumper writes an anchor and aliases."""
    return {"a": value, "b": [value, value]} if isinstance(value, list | dict) else value


@pytest.fixture
def small_limits(monkeypatch):
    """Depth 4 and 30 values after alias expansion, in both loaders."""
    for module in (files, yaml_io):
        monkeypatch.setattr(module, "MAX_YAML_DEPTH", 4)
        monkeypatch.setattr(module, "MAX_YAML_NODES", 30)


@SETTINGS
@given(value=data, flow=st.sampled_from([None, True, False]))
def test_fast_path_parses_dumped_data_as_the_pure_loader(value, flow):
    text = yaml_dump(shared(value), default_flow_style=flow, allow_unicode=True, sort_keys=False)
    parsed, fast = checked_fast_load(text)
    pure = safe_load_yaml(text, "f.yaml", ScenarioError, fast=False)
    assert repr(pure) == repr(shared(value))
    assert parsed       # the dumper quotes "=" and the like, so nothing here is refused
    assert repr(fast) == repr(pure)


@settings(SETTINGS, max_examples=60)
@given(value=data, flow=st.sampled_from([None, True, False]))
def test_limits_fast_accepts_exactly_what_the_pure_loader_accepts(small_limits, value, flow):
    text = yaml_dump(shared(value), default_flow_style=flow, allow_unicode=True, sort_keys=False).encode("utf-8")
    assert checked_fast_load(text)[0] == outcome(text, fast=False).startswith("data ")
    assert outcome(text, fast=True) == outcome(text, fast=False)


@settings(SETTINGS, max_examples=400)
@given(text=yamlish)
def test_any_text_same_data_or_same_refusal(small_limits, text):
    assert outcome(text, fast=True) == outcome(text, fast=False)


@pytest.mark.parametrize("innermost", ["1", "[]", "*x"])
def test_depth_boundary_at_the_real_limit(innermost):
    def nested(depth: int) -> str:       # `depth` composed levels, the innermost a scalar, list or alias
        return "- &x 0\n- " + "[" * (depth - 2) + innermost + "]" * (depth - 2)
    assert checked_fast_load(nested(MAX_YAML_DEPTH)) == (True, yaml.safe_load(nested(MAX_YAML_DEPTH)))
    assert checked_fast_load(nested(MAX_YAML_DEPTH + 1)) == (False, None)
    assert "nesting deeper than" in outcome(nested(MAX_YAML_DEPTH + 1), fast=True)


def test_a_million_deep_file_is_refused_not_crashed():
    # libyaml's composer recurses in C: composing this would crash the interpreter.
    assert "nesting deeper than" in outcome("[" * 1_000_000 + "]" * 1_000_000, fast=True)


@pytest.mark.parametrize(("text", "problem"), [
    ("a: &x [1, 2]\nb: [*x, *x, *x, *x, *x, *x, *x, *x, *x, *x]\n", "values once aliases are expanded"),
    ("&a [*a]", "values once aliases are expanded"),        # expands without end (hung before)
    ("x: !!python/object:os.system ls", "is not allowed"),
    ("x: =", "is not allowed"),
    ("x: !!int abc", "tagged value"),
    ("a: 1\n---\nb: 2\n", "not valid YAML"),
    ("a: [1, 2\n", "not valid YAML"),
    ("a: *nowhere", "not valid YAML"),
    ("[&a 1, &a 2]", "not valid YAML"),                     # duplicate anchor
    ("[a?b]", "not valid YAML"),                            # libyaml reads a plain scalar, PyYAML a key
    ("x: ! 1", "data {'x': 1}"),      # the non-specific tag: libyaml reads an empty value apart
    ("a:\tb", "cannot start any token"),                # libyaml reads {'a': 'b'}
    ("a: \x07", "not valid YAML text"),
])
def test_the_pure_loader_decides_these(small_limits, text, problem):
    """Each case goes to the pure loader, whose refusal (or data, for text libyaml reads apart) is final."""
    assert checked_fast_load(text) == (False, None)
    assert problem in outcome(text, fast=True) == outcome(text, fast=False)


def test_utf16_and_bad_bytes_as_the_pure_loader():
    text = "a: [1, é]\n"
    for raw in (text.encode("utf-16"), text.encode("utf-16-be").join([b"\xfe\xff", b""]), b"a: \xff\xfe\xfa"):
        assert outcome(raw, fast=True) == outcome(raw, fast=False)
    assert checked_fast_load(text.encode("utf-16")) == (True, {"a": [1, "é"]})


def test_nan_and_infinity_parse_the_same():
    parsed, value = checked_fast_load("[.nan, .inf, -.inf]")
    assert parsed and math.isnan(value[0]) and value[1:] == [math.inf, -math.inf]


def test_safe_load_takes_the_fast_path_for_plain_files(monkeypatch):
    class NoPureLoader:
        def __init__(self, text):
            raise AssertionError("the pure loader was used")
    monkeypatch.setattr(files, "BoundedLoader", NoPureLoader)
    assert safe_load_yaml("a: [1, {b: x}]\n", "f.yaml", ScenarioError) == {"a": [1, {"b": "x"}]}
