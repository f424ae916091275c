"""rlgpt LLM backend for Anthropic Claude."""

from rlgpt_anthropic.client import AnthropicLLM
from rlgpt_anthropic.models import ALIASES, PRICES, PRICES_AS_OF, cost_usd, resolve_model

__all__ = ["ALIASES", "PRICES", "PRICES_AS_OF", "AnthropicLLM", "cost_usd", "resolve_model"]
