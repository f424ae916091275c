"""Registers the ``anthropic`` LLM backend with rlgpt.

The ``anthropic`` client library takes seconds to import, so this module does not import it:
the factory does, when a run asks for the backend, and listing plugins stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rlgpt import LLM, LLMBackendSpec, hookimpl

from rlgpt_anthropic.models import ALIASES, PRICES


def build(model: str, **options: Any) -> LLM:
    """Factory of the spec: an :class:`~rlgpt_anthropic.client.AnthropicLLM` for ``model``."""
    from rlgpt_anthropic.client import AnthropicLLM

    return AnthropicLLM(model, **options)


@hookimpl
def register_llm_backends(register: Callable[[LLMBackendSpec], None]) -> None:
    """Register the ``anthropic`` backend (Claude through the Messages API)."""
    register(
        LLMBackendSpec(
            name="anthropic",
            factory=build,
            description="Anthropic Claude through the Messages API (ANTHROPIC_API_KEY)",
            models=tuple(PRICES),
            aliases=dict(ALIASES),
        )
    )
