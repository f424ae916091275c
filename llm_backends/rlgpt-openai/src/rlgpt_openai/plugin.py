"""Registers the ``openai`` LLM backend with rlgpt (entry point ``rlgpt: openai``)."""

from __future__ import annotations

from collections.abc import Callable

from rlgpt import LLMBackendSpec, hookimpl

from rlgpt_openai.client import OpenAILLM
from rlgpt_openai.models import ALIASES, MODELS


@hookimpl
def register_llm_backends(register: Callable[[LLMBackendSpec], None]) -> None:
    """Register the ``openai`` backend; its factory's keywords are the options a run may set."""
    register(
        LLMBackendSpec(
            name="openai",
            factory=OpenAILLM,
            description="OpenAI chat models, or any OpenAI-compatible server via options.base_url",
            models=tuple(MODELS),
            aliases=dict(ALIASES),
        )
    )
