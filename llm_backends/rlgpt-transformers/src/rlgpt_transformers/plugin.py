"""Registers the local-model LLM backends, ``transformers`` and ``llama-cpp``, with rlgpt."""

from __future__ import annotations

from collections.abc import Callable

from rlgpt import LLMBackendSpec, hookimpl

from rlgpt_transformers.client import TransformersLLM
from rlgpt_transformers.llama import LlamaCppLLM
from rlgpt_transformers.sources import ALIASES


@hookimpl
def register_llm_backends(register: Callable[[LLMBackendSpec], None]) -> None:
    """Register the ``transformers`` and ``llama-cpp`` backends (local models, offline).

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
    register(
        LLMBackendSpec(
            name="llama-cpp",
            factory=LlamaCppLLM,
            description="local GGUF models on llama.cpp, quantised, offline (needs llama-cpp-python)",
            models=tuple(name for name, alias in ALIASES.items() if alias.relpath.endswith(".gguf")),
        )
    )
