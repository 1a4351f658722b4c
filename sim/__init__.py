"""negsim engine: scenarios, rubric, metrics, search, protocol, runs. No agent behaviour, no LLM, no UI."""
