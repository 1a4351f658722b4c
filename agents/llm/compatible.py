"""The chat model for `--llm openai-compatible:MODEL@URL` (vLLM, llama.cpp servers, LM Studio, Ollama's /v1).

langchain-openai's `ChatOpenAI` renames `max_tokens` to `max_completion_tokens`, the field
OpenAI's own API wants since 2024; OpenAI-compatible servers often know only `max_tokens`
(llama-cpp-python's server ignores the other and then writes until its context is full:
about 1,260 tokens a call measured with the embedded model). Its base class sends the
fields as given, so the output cap reaches these servers.
"""

from __future__ import annotations

from langchain_openai.chat_models.base import BaseChatOpenAI


class OpenAICompatibleChat(BaseChatOpenAI):
    """An OpenAI-compatible chat endpoint: Chat Completions with `max_tokens`, no Responses API."""

    @property
    def _llm_type(self) -> str:
        return "openai-compatible"
