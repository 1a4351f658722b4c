"""negsim agents: rule-based stakeholders, mediator strategies, LLM agents (agents/llm)."""
