"""rlgpt LLM backend for OpenAI and every OpenAI-compatible server (vLLM, llama.cpp, Ollama).

``OpenAILLM`` is imported on first use, so loading the plugin does not import ``openai``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rlgpt_openai.models import ALIASES, MODELS, PRICES_AS_OF, cost_usd, resolve_model

if TYPE_CHECKING:
    from rlgpt_openai.client import OpenAILLM

__all__ = ["ALIASES", "MODELS", "PRICES_AS_OF", "OpenAILLM", "cost_usd", "resolve_model"]


def __getattr__(name: str) -> Any:
    """Import :class:`OpenAILLM` lazily."""
    if name == "OpenAILLM":
        from rlgpt_openai.client import OpenAILLM

        return OpenAILLM
    raise AttributeError(f"module 'rlgpt_openai' has no attribute {name!r}")
