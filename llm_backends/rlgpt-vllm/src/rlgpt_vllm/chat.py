"""Requests in the OpenAI chat format, which both ``vllm.LLM.chat`` and vLLM's server take."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from rlgpt import LLMError, Message, SamplingParams


def to_chat_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """OpenAI-style message dicts; images become ``image_url`` parts with ``data:`` URLs (user turns only)."""
    converted: list[dict[str, Any]] = []
    for message in messages:
        if not message.images:
            converted.append({"role": message.role, "content": message.content})
            continue
        if message.role != "user":
            raise LLMError(f"a {message.role} message carries images; attach images to user messages only")
        parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}]
        for image in message.images:
            url = f"data:{image.media_type};base64,{base64.b64encode(image.data).decode('ascii')}"
            parts.append({"type": "image_url", "image_url": {"url": url}})
        converted.append({"role": "user", "content": parts})
    return converted


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
