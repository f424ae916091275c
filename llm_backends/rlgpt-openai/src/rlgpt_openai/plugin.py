"""Registers the ``openai`` LLM backend with rlgpt (entry point ``rlgpt: openai``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rlgpt import LLM, LLMBackendSpec, hookimpl

from rlgpt_openai.models import ALIASES, MODELS


def create_llm(model: str, **options: Any) -> LLM:
    """Build an :class:`~rlgpt_openai.client.OpenAILLM` (imported here so listing plugins stays cheap)."""
    from rlgpt_openai.client import OpenAILLM

    return OpenAILLM(model, **options)


@hookimpl
def register_llm_backends(register: Callable[[LLMBackendSpec], None]) -> None:
    """Register the ``openai`` backend."""
    register(
        LLMBackendSpec(
            name="openai",
            factory=create_llm,
            description="OpenAI chat models, or any OpenAI-compatible server via options.base_url",
            models=tuple(MODELS),
            aliases=dict(ALIASES),
        )
    )
