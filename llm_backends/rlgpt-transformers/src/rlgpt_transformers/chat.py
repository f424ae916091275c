"""Turn rlgpt messages into the prompt text a local causal LM reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jinja2 import TemplateError
from rlgpt import LLMError, Message

VICUNA_SYSTEM = (
    "A chat between a curious user and an artificial intelligence assistant. "
    "The assistant gives helpful, detailed, and polite answers to the user's questions."
)
"""The system prompt Vicuna v1.1+ models were trained with (used when the request has none)."""


def vicuna_prompt(messages: Sequence[Message], bos: str = "", eos: str = "</s>") -> str:
    """The Vicuna v1.1 conversation format, ending with ``ASSISTANT:`` for the model to continue."""
    system = "\n\n".join(m.content for m in messages if m.role == "system") or VICUNA_SYSTEM
    text = bos + system + " "
    for message in messages:
        if message.role == "user":
            text += f"USER: {message.content} "
        elif message.role == "assistant":
            text += f"ASSISTANT: {message.content}{eos}"
    return text + "ASSISTANT:"


def render_prompt(tokenizer: Any, messages: Sequence[Message]) -> str:
    """The prompt for ``messages``: the tokenizer's chat template, or the Vicuna format when it has none."""
    for message in messages:
        if message.images:
            raise LLMError(
                "the transformers backend reads text only: drop the images or use an image-capable backend"
            )
    if not any(m.role == "user" for m in messages):
        raise LLMError("request has no user message: add one")
    if getattr(tokenizer, "chat_template", None):
        turns = [{"role": m.role, "content": m.content} for m in messages]
        try:
            return tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True)
        except TemplateError as error:
            raise LLMError(
                f"the model's chat template rejects this conversation ({error}): "
                "merge the system message into the first user message or use another model"
            ) from error
    return vicuna_prompt(messages, bos=tokenizer.bos_token or "", eos=tokenizer.eos_token or "</s>")
