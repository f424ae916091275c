"""The shared LLM backend contract, with AnthropicLLM talking to a loopback Messages API."""

from __future__ import annotations

import pytest
from rlgpt import LLM
from rlgpt.testing import LLMBackendContract
from rlgpt_anthropic import AnthropicLLM


class TestAnthropicContract(LLMBackendContract):
    """Every contract test, over JSON replies and over streamed ones."""

    backend_name = "anthropic"

    @pytest.fixture(params=[False, True], ids=["json", "stream"])
    def llm(self, request: pytest.FixtureRequest, claude) -> LLM:
        """An AnthropicLLM on the loopback server, which answers every request."""
        streaming = request.param
        if streaming:
            claude.stream(["Red", "."])
        else:
            claude.answer("Red.")
        return AnthropicLLM("claude-haiku-4-5", api_key="sk-test", base_url=claude.url, stream=streaming)
