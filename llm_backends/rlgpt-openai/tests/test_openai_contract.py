"""The core's LLM backend contract, run against the real client and a loopback server."""

from __future__ import annotations

import pytest
from rlgpt import LLM
from rlgpt.testing import LLMBackendContract
from rlgpt_openai import OpenAILLM


class TestOpenAIContract(LLMBackendContract):
    """``openai`` backend with an image model, answering from the loopback server."""

    backend_name = "openai"

    @pytest.fixture
    def llm(self, server) -> LLM:
        """A gpt-4o client pointed at the loopback server."""
        return OpenAILLM("gpt-4o", base_url=server.base_url, api_key="sk-test", timeout_s=5)


class TestOpenAIStreamingContract(TestOpenAIContract):
    """The same contract with streamed answers."""

    @pytest.fixture
    def llm(self, server) -> LLM:
        """A streaming client; every reply is an SSE stream with a usage chunk."""
        for _ in range(8):
            server.reply(
                events=[server.chunk("Blue"), server.chunk("."), server.chunk(usage=(9, 2)), "[DONE]"]
            )
        return OpenAILLM("gpt-4o", base_url=server.base_url, timeout_s=5, stream=True)
