"""Registers the ``transformers`` LLM backend with rlgpt."""

from __future__ import annotations

from collections.abc import Callable

from rlgpt import LLMBackendSpec, hookimpl

from rlgpt_transformers.client import TransformersLLM
from rlgpt_transformers.sources import ALIASES


@hookimpl
def register_llm_backends(register: Callable[[LLMBackendSpec], None]) -> None:
    """Register the ``transformers`` backend (local Hugging Face models, offline).

    The model names are the local aliases; the factory resolves them under the models directory
    itself (that directory is only known when a run builds the client), so the spec has no aliases.
    """
    register(
        LLMBackendSpec(
            name="transformers",
            factory=TransformersLLM,
            description="local Hugging Face causal LMs from a directory or GGUF file, offline",
            models=tuple(ALIASES),
        )
    )
