"""Request checks and sampling keywords both ``vllm.LLM.chat`` and vLLM's server take.

The messages themselves go in the OpenAI chat format: :func:`rlgpt.llm.to_chat_messages`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rlgpt import LLMError, Message, SamplingParams
from rlgpt.llm import JsonSchema, OutputFormat, PythonBlock

OUTPUT_KINDS = frozenset({JsonSchema.kind, PythonBlock.kind})
"""vLLM's structured outputs enforce both a JSON Schema and a regular expression."""


def check_images(messages: Sequence[Message], model: str, supports_images: bool) -> None:
    """Refuse images for a model not declared multimodal, before anything is sent."""
    if not supports_images and any(message.images for message in messages):
        raise LLMError(
            f"model {model!r} is not declared multimodal; pass options.supports_images=true "
            "for a vision model or drop the images"
        )


def sampling_kwargs(params: SamplingParams) -> dict[str, Any]:
    """Sampling keywords shared by ``vllm.SamplingParams`` and the server's chat endpoint."""
    kwargs: dict[str, Any] = {"temperature": params.temperature, "max_tokens": params.max_tokens}
    if params.stop:
        kwargs["stop"] = list(params.stop)
    if params.seed is not None:
        kwargs["seed"] = params.seed
    return kwargs


def structured_outputs(output: OutputFormat | None) -> dict[str, Any] | None:
    """vLLM's ``structured_outputs`` for ``output``: ``{"json": schema}`` or ``{"regex": pattern}``."""
    if isinstance(output, JsonSchema):
        return {"json": dict(output.schema)}
    if isinstance(output, PythonBlock):
        return {"regex": output.pattern()}
    return None
