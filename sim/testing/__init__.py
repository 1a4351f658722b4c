"""A testing kit users can import: random scenarios, hypothesis strategies, agent conformance checks.

`check_stakeholder` / `check_mediator` are to negsim agents what PettingZoo's `api_test` is
to environments. `sim.testing.strategies` needs hypothesis (the `testing` extra);
`LlamaServer` runs llama-cpp-python's OpenAI-compatible server on loopback (its `server` extra).
"""

from sim.core.lazy import lazy_exports

_EXPORTS = {
    "ConformanceError": "sim.testing.conformance",
    "ConformanceReport": "sim.testing.conformance",
    "LlamaServer": "sim.testing.llm_server",
    "check_mediator": "sim.testing.conformance",
    "check_stakeholder": "sim.testing.conformance",
    "random_scenario": "sim.testing.scenarios",
    "random_scenario_dict": "sim.testing.scenarios",
    "scenarios": "sim.testing.strategies",
    "synthetic_election": "sim.testing.elections",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
