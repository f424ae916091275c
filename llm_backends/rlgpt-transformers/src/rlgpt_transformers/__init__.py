"""rlgpt LLM backends for local models: ``transformers`` and ``llama-cpp``."""

from rlgpt_transformers.chat import render_prompt, vicuna_prompt
from rlgpt_transformers.client import TransformersLLM
from rlgpt_transformers.llama import LlamaCppLLM
from rlgpt_transformers.sources import ALIASES, ModelSource, models_dir, resolve_source

__all__ = [
    "ALIASES",
    "LlamaCppLLM",
    "ModelSource",
    "TransformersLLM",
    "models_dir",
    "render_prompt",
    "resolve_source",
    "vicuna_prompt",
]
