"""rlgpt LLM backend for OpenAI and every OpenAI-compatible server (vLLM, llama.cpp, Ollama)."""

from rlgpt_openai.client import OpenAILLM
from rlgpt_openai.models import ALIASES, MODELS, PRICES_AS_OF, cost_usd, resolve_model

__all__ = ["ALIASES", "MODELS", "PRICES_AS_OF", "OpenAILLM", "cost_usd", "resolve_model"]
