"""Registers the ``anthropic`` LLM backend with rlgpt."""

from __future__ import annotations

from collections.abc import Callable

from rlgpt import LLMBackendSpec, hookimpl

from rlgpt_anthropic.client import AnthropicLLM
from rlgpt_anthropic.models import ALIASES, PRICES


@hookimpl
def register_llm_backends(register: Callable[[LLMBackendSpec], None]) -> None:
    """Register the ``anthropic`` backend (Claude through the Messages API)."""
    register(
        LLMBackendSpec(
            name="anthropic",
            factory=AnthropicLLM,
            description="Anthropic Claude through the Messages API (ANTHROPIC_API_KEY)",
            models=tuple(PRICES),
            aliases=dict(ALIASES),
        )
    )
