"""``OpenAILLM``: chat completions through the official ``openai`` client."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import openai
from rlgpt import Completion, LLMError, Request, Usage
from rlgpt.llm import JsonSchema, one_line, to_chat_messages

from rlgpt_openai.errors import map_error
from rlgpt_openai.models import cost_usd, model_info, resolve_model

OPENAI_BASE_URL = "https://api.openai.com/v1"
NO_KEY = "no-key"  # OpenAI-compatible servers that want no key still need a non-empty header value


class OpenAILLM:
    """A chat model served by OpenAI or any OpenAI-compatible server (vLLM, llama.cpp, Ollama).

    :param model: model id or alias (``gpt-4o`` resolves to ``gpt-4o-2024-08-06``).
    :param api_key: API key; defaults to ``OPENAI_API_KEY``. Not required when ``base_url`` is set.
    :param base_url: the server's ``/v1`` URL; defaults to ``OPENAI_BASE_URL`` or OpenAI itself.
    :param timeout_s: per-request timeout in seconds.
    :param organization: OpenAI organization id (``OPENAI_ORG_ID`` when not given).
    :param stream: stream the answer (server-sent events) instead of waiting for one body.
    :param extra_body: extra JSON fields merged into every request (server-specific options).
    :param supports_images: whether the model takes images; defaults to what the model table says
        (``False`` for models it does not know).
    :param structured_output: send a request's JSON Schema as ``response_format`` (strict
        ``json_schema``); turn off for an OpenAI-compatible server that rejects it.

    The client's own retries are off: the core's retry policy is the only one. Prices
    (``Completion.cost_usd``) are only reported for OpenAI's own endpoint.
    """

    backend = "openai"

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout_s: float = 60,
        organization: str | None = None,
        stream: bool = False,
        extra_body: Mapping[str, Any] | None = None,
        supports_images: bool | None = None,
        structured_output: bool = True,
    ) -> None:
        if not model:
            raise ValueError("no model given; pass a model id such as 'gpt-4o-mini'")
        if timeout_s <= 0:
            raise ValueError(f"options.timeout_s must be positive, got {timeout_s}")
        self.model = resolve_model(model)
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_BASE_URL).rstrip("/")
        self.is_openai = self.base_url == OPENAI_BASE_URL
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key:
            if self.is_openai:
                raise LLMError("OPENAI_API_KEY is not set; export it or pass options.api_key")
            key = NO_KEY
        info = model_info(self.model)
        self.supports_images = supports_images if supports_images is not None else bool(info and info.images)
        self._reasoning = bool(info and info.reasoning)
        self.stream = stream
        self.output_kinds = frozenset({JsonSchema.kind}) if structured_output else frozenset()
        self.extra_body = dict(extra_body or {})
        # another server, or other request fields, may answer the same request differently
        self.answer_identity: dict[str, Any] = {"base_url": self.base_url}
        if self.extra_body:
            self.answer_identity["extra_body"] = self.extra_body
        self._client = openai.OpenAI(
            api_key=key,
            base_url=self.base_url,
            organization=organization,
            timeout=timeout_s,
            max_retries=0,
        )

    def complete(self, request: Request) -> Completion:
        """Answer one request; raise :class:`~rlgpt.TransientLLMError` for retryable failures."""
        if not self.supports_images and any(message.images for message in request.messages):
            raise LLMError(
                f"model {self.model!r} does not take images here; use an image model such as 'gpt-4o' "
                "or pass options.supports_images=true"
            )
        body = self._body(request)
        start = time.perf_counter()
        try:
            text, usage, answered_by = self._stream(body) if self.stream else self._once(body)
        except openai.OpenAIError as error:
            raise map_error(error, model=self.model, base_url=self.base_url) from error
        except ValueError as error:  # a body that is not JSON, or JSON of the wrong shape
            raise self._malformed(one_line(error)) from error
        latency = time.perf_counter() - start
        cost = cost_usd(self.model, usage.prompt_tokens, usage.completion_tokens) if self.is_openai else None
        return Completion(
            text=text,
            usage=usage,
            latency_s=latency,
            model=answered_by or self.model,
            backend=self.backend,
            cost_usd=cost,
        )

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._client.close()

    def _body(self, request: Request) -> dict[str, Any]:
        """Keyword arguments of ``chat.completions.create`` for ``request``."""
        params = request.params
        body: dict[str, Any] = {"model": self.model, "messages": to_chat_messages(request.messages)}
        if self._reasoning:
            body["max_completion_tokens"] = params.max_tokens
        else:
            body["max_tokens"] = params.max_tokens
            body["temperature"] = params.temperature
        if params.stop:
            body["stop"] = list(params.stop)
        if params.seed is not None:
            body["seed"] = params.seed
        if isinstance(request.output, JsonSchema) and self.output_kinds:
            schema = {"name": request.output.name, "schema": dict(request.output.schema), "strict": True}
            body["response_format"] = {"type": "json_schema", "json_schema": schema}
        if self.extra_body:
            body["extra_body"] = self.extra_body
        return body

    def _once(self, body: dict[str, Any]) -> tuple[str, Usage, str]:
        """One non-streaming request: text, usage and the answering model id."""
        response = self._client.chat.completions.create(**body)
        choices = getattr(response, "choices", None)
        if not choices or getattr(choices[0], "message", None) is None:
            raise self._malformed(f"no choices in {str(response)[:120]!r}")
        message = choices[0].message
        if message.content is None and getattr(message, "refusal", None):
            raise LLMError(f"model {self.model!r} refused: {one_line(message.refusal)}; rephrase the request")
        if response.usage is None:
            raise self._malformed("no usage in the response")
        usage = Usage(response.usage.prompt_tokens, response.usage.completion_tokens)
        return message.content or "", usage, response.model

    def _stream(self, body: dict[str, Any]) -> tuple[str, Usage, str]:
        """One streaming request, read to the end: text, usage and the answering model id."""
        pieces: list[str] = []
        usage: Usage | None = None
        answered_by = ""
        with self._client.chat.completions.create(
            **body, stream=True, stream_options={"include_usage": True}
        ) as chunks:
            for chunk in chunks:
                answered_by = chunk.model or answered_by
                if chunk.usage is not None:
                    usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                    pieces.append(chunk.choices[0].delta.content)
        if usage is None:
            raise LLMError(
                f"the stream from {self.base_url} ended without token usage (the server ignores "
                "stream_options.include_usage); pass options.stream=false"
            )
        return "".join(pieces), usage, answered_by

    def _malformed(self, detail: str) -> LLMError:
        """The error for a response that is not a chat completion."""
        return LLMError(
            f"malformed response from {self.base_url}: {detail}; is it an OpenAI-compatible server?"
        )
