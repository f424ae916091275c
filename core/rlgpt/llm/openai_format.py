"""Messages in the OpenAI chat format, which OpenAI-compatible servers and ``vllm.LLM.chat`` take."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from rlgpt.llm.types import LLMError, Message


def image_data_url(data: bytes, media_type: str) -> str:
    """A ``data:`` URL carrying the image bytes, as ``image_url`` parts expect."""
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def to_chat_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """OpenAI-style ``messages`` for a conversation; a message's images become ``image_url`` parts.

    A message with images has its text as the first part, then one part per image.
    Only user messages may carry images (the format accepts them nowhere else).
    """
    converted: list[dict[str, Any]] = []
    for message in messages:
        if not message.images:
            converted.append({"role": message.role, "content": message.content})
            continue
        if message.role != "user":
            raise LLMError(f"a {message.role} message carries images; attach images to user messages only")
        parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}]
        parts += [
            {"type": "image_url", "image_url": {"url": image_data_url(image.data, image.media_type)}}
            for image in message.images
        ]
        converted.append({"role": "user", "content": parts})
    return converted
