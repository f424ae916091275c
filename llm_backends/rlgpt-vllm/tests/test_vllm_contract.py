"""The core's LLM backend contract for vLLM's server mode (the fake server process stands in)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rlgpt import LLM
from rlgpt.testing import LLMBackendContract
from rlgpt_vllm import create_llm


class TestVLLMServerContract(LLMBackendContract):
    """``vllm`` attached to a running server, built by the registered factory."""

    backend_name = "vllm"

    @pytest.fixture
    def llm(self, running_server, model) -> LLM:
        """A client attached to the module's server."""
        return create_llm(model, mode="server", base_url=running_server.base_url)


class TestVLLMLaunchedContract(LLMBackendContract):
    """``vllm`` launching its own server (a vision model, so the image test runs too)."""

    backend_name = "vllm"

    @pytest.fixture
    def llm(self, model, fake_launcher) -> Iterator[LLM]:
        """A client that launched its server; closing it stops the server."""
        llm = create_llm(
            model, mode="server", launcher=fake_launcher, supports_images=True, startup_timeout_s=20
        )
        yield llm
        llm.close()
