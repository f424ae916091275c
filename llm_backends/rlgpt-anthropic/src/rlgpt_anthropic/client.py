"""The Anthropic backend: :class:`AnthropicLLM` on the official ``anthropic`` client."""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any

import anthropic
from rlgpt import Completion, LLMError, Message, Request, Usage
from rlgpt.llm import JsonSchema

from rlgpt_anthropic.errors import translate
from rlgpt_anthropic.models import accepts_temperature, cost_usd, resolve_model

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
"""Media types the Messages API accepts for base64 image blocks."""


class AnthropicLLM:
    """Claude through the Messages API.

    :param model: model id or alias (``claude-sonnet-4-5``); aliases expand to dated ids.
    :param api_key: API key; defaults to ``ANTHROPIC_API_KEY``.
    :param base_url: API root (defaults to ``ANTHROPIC_BASE_URL`` or the public API).
    :param timeout_s: per-request timeout in seconds.
    :param stream: receive the answer as server-sent events instead of one JSON body.

    The client library's own retries are off: retries belong to the core's retry wrapper,
    which sees :class:`~rlgpt.TransientLLMError` for retryable failures. ``SamplingParams.seed``
    is ignored (the API has no seed); ``temperature`` is sent to the models in the price table.
    A request's JSON Schema becomes the input schema of one tool the model must call; the tool
    call's input, as JSON, is the answer's text.
    """

    backend = "anthropic"
    supports_images = True
    output_kinds = frozenset({JsonSchema.kind})

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout_s: float = 60,
        stream: bool = False,
    ) -> None:
        key = api_key or os.environ.get("ANTHROPIC_API_KEY")
        if not key:
            raise LLMError(
                "no Anthropic API key: set ANTHROPIC_API_KEY or pass api_key= to the anthropic backend"
            )
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        self.model = resolve_model(model)
        self.stream = stream
        self.timeout_s = float(timeout_s)
        self._client = anthropic.Anthropic(
            api_key=key, base_url=base_url, timeout=self.timeout_s, max_retries=0
        )
        self.base_url = str(self._client.base_url)
        self.answer_identity = {"base_url": self.base_url}

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._client.close()

    def complete(self, request: Request) -> Completion:
        """Send ``request`` to the Messages API and return the answer with usage, latency and cost."""
        params = self._params(request)
        started = time.perf_counter()
        try:
            if self.stream:
                with self._client.messages.stream(**params) as events:
                    reply = events.get_final_message()
            else:
                reply = self._client.messages.create(**params)
        except anthropic.AnthropicError as error:
            raise translate(
                error, model=self.model, base_url=self.base_url, timeout_s=self.timeout_s
            ) from error
        except json.JSONDecodeError as error:
            raise LLMError(
                f"malformed JSON from the Anthropic API at {self.base_url}: check base_url"
            ) from error
        latency = time.perf_counter() - started
        text, usage = self._read(reply)
        return Completion(
            text=text,
            usage=usage,
            latency_s=latency,
            model=self.model,
            backend=self.backend,
            cost_usd=cost_usd(self.model, usage),
        )

    def _params(self, request: Request) -> dict[str, Any]:
        """Keyword arguments of ``messages.create`` for ``request``."""
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        turns = [to_message_param(m) for m in request.messages if m.role != "system"]
        if not turns:
            raise LLMError("request has only system messages: add a user message")
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.params.max_tokens,
            "messages": turns,
        }
        if system:
            params["system"] = system
        if request.params.stop:
            params["stop_sequences"] = list(request.params.stop)
        if accepts_temperature(self.model):
            params["extra_body"] = {"temperature": request.params.temperature}
        if isinstance(request.output, JsonSchema):
            name = request.output.name
            params["tools"] = [
                {
                    "name": name,
                    "description": f"Give your answer: the {name}, as this tool's input.",
                    "input_schema": dict(request.output.schema),
                }
            ]
            params["tool_choice"] = {"type": "tool", "name": name}
        return params

    def _read(self, reply: Any) -> tuple[str, Usage]:
        """Text and token usage of a Messages API reply; LLMError when the reply lacks them."""
        content = getattr(reply, "content", None)
        usage = getattr(reply, "usage", None)
        prompt = getattr(usage, "input_tokens", None)
        completion = getattr(usage, "output_tokens", None)
        if not isinstance(content, list) or not isinstance(prompt, int) or not isinstance(completion, int):
            raise LLMError(
                f"malformed Anthropic response from {self.base_url} (no content list or token usage):"
                " check base_url points at the Messages API"
            )
        tool_inputs = [block.input for block in content if getattr(block, "type", None) == "tool_use"]
        if tool_inputs:
            text = json.dumps(tool_inputs[0], ensure_ascii=False)
        else:
            text = "".join(
                getattr(block, "text", "") for block in content if getattr(block, "type", None) == "text"
            )
        return text, Usage(prompt_tokens=prompt, completion_tokens=completion)


def to_message_param(message: Message) -> dict[str, Any]:
    """One non-system :class:`~rlgpt.Message` as a Messages API message (images first, then text)."""
    if not message.images:
        return {"role": message.role, "content": message.content}
    if message.role != "user":
        raise LLMError(f"images are only allowed in user messages, not {message.role!r} ones: move them")
    blocks: list[dict[str, Any]] = []
    for image in message.images:
        if image.media_type not in IMAGE_TYPES:
            allowed = ", ".join(sorted(IMAGE_TYPES))
            raise LLMError(
                f"image type {image.media_type!r} is not accepted by Anthropic: convert to one of {allowed}"
            )
        data = base64.b64encode(image.data).decode("ascii")
        blocks.append(
            {"type": "image", "source": {"type": "base64", "media_type": image.media_type, "data": data}}
        )
    blocks.append({"type": "text", "text": message.content})
    return {"role": "user", "content": blocks}
