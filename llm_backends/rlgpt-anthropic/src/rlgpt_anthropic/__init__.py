"""rlgpt LLM backend for Anthropic Claude.

:class:`AnthropicLLM` is imported on first use (the ``anthropic`` library is slow to import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rlgpt_anthropic.models import ALIASES, PRICES, PRICES_AS_OF, cost_usd, resolve_model

if TYPE_CHECKING:
    from rlgpt_anthropic.client import AnthropicLLM

__all__ = ["ALIASES", "PRICES", "PRICES_AS_OF", "AnthropicLLM", "cost_usd", "resolve_model"]


def __getattr__(name: str) -> Any:
    """Import :class:`AnthropicLLM` when it is first asked for."""
    if name == "AnthropicLLM":
        from rlgpt_anthropic.client import AnthropicLLM

        return AnthropicLLM
    raise AttributeError(f"module 'rlgpt_anthropic' has no attribute {name!r}")
