"""``OpenAILLM``: chat completions through the official ``openai`` client."""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import openai
from rlgpt import Completion, LLMError, Message, Request, SamplingParams, Usage
from rlgpt.llm import one_line, to_chat_messages

from rlgpt_openai import structured
from rlgpt_openai.errors import map_error
from rlgpt_openai.models import cost_usd, model_info, resolve_model

OPENAI_BASE_URL = "https://api.openai.com/v1"
NO_KEY = "no-key"  # OpenAI-compatible servers that want no key still need a non-empty header value
REMOTE_TIMEOUT_S = 60.0
"""Default request timeout for a server on the network (OpenAI, a hosted endpoint)."""
LOCAL_TIMEOUT_S = 600.0
"""Default request timeout for a server on this machine or a private network: a CPU-served model can
take minutes for one planner answer."""


def is_local(base_url: str) -> bool:
    """Whether ``base_url``'s host is ``localhost``, a loopback or a private IP address."""
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # a host name
        return False
    return address.is_loopback or address.is_private


class OpenAILLM:
    """A chat model served by OpenAI or any OpenAI-compatible server (vLLM, llama.cpp, Ollama).

    :param model: model id or alias (``gpt-4o`` resolves to ``gpt-4o-2024-08-06``).
    :param api_key: API key; defaults to ``OPENAI_API_KEY``. Not required when ``base_url`` is set.
    :param base_url: the server's ``/v1`` URL; defaults to ``OPENAI_BASE_URL`` or OpenAI itself.
    :param timeout_s: per-request timeout in seconds; by default 600 (``LOCAL_TIMEOUT_S``) for a
        ``base_url`` on localhost, a loopback or a private address, else 60 (``REMOTE_TIMEOUT_S``).
    :param organization: OpenAI organization id (``OPENAI_ORG_ID`` when not given).
    :param stream: stream the answer (server-sent events) instead of waiting for one body.
    :param extra_body: extra JSON fields merged into every request (server-specific options).
    :param supports_images: whether the model takes images; defaults to what the model table says
        (``False`` for models it does not know).
    :param structured_output: how answers are constrained (:data:`rlgpt_openai.structured.MODES`):
        ``"auto"`` (default) probes the server once per process for the strongest way it enforces
        (OpenAI's own endpoint is known: ``json_schema``); ``"json_schema"`` sends a JSON Schema as a
        strict ``json_schema`` response format; ``"json_object"`` as ``{"type": "json_object",
        "schema": ...}`` (llama-cpp-python's server); ``"grammar"`` as a GBNF ``grammar`` (llama.cpp
        servers), which also constrains Python blocks; ``"none"`` constrains nothing. ``True`` and
        ``False`` mean ``"json_schema"`` and ``"none"`` (deprecated).

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
        timeout_s: float | None = None,
        organization: str | None = None,
        stream: bool = False,
        extra_body: Mapping[str, Any] | None = None,
        supports_images: bool | None = None,
        structured_output: str | bool = "auto",
    ) -> None:
        if not model:
            raise ValueError("no model given; pass a model id such as 'gpt-4o-mini'")
        if timeout_s is not None and timeout_s <= 0:
            raise ValueError(f"options.timeout_s must be positive, got {timeout_s}")
        mode = structured.parse_mode(structured_output)
        self.model = resolve_model(model)
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_BASE_URL).rstrip("/")
        self.is_openai = self.base_url == OPENAI_BASE_URL
        if timeout_s is None:
            timeout_s = LOCAL_TIMEOUT_S if is_local(self.base_url) else REMOTE_TIMEOUT_S
        self.timeout_s = timeout_s
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key:
            if self.is_openai:
                raise LLMError("OPENAI_API_KEY is not set; export it or pass options.api_key")
            key = NO_KEY
        info = model_info(self.model)
        self.supports_images = supports_images if supports_images is not None else bool(info and info.images)
        self._reasoning = bool(info and info.reasoning)
        self.stream = stream
        self.structured_output = mode
        if mode != "auto":
            self._support: structured.Support | None = structured.FORCED[mode]
        elif self.is_openai:
            self._support = structured.FORCED["json_schema"]
        else:
            self._support = structured.detected(self.base_url)
        self.extra_body = dict(extra_body or {})
        # another server, or other request fields, may answer the same request differently
        self.answer_identity: dict[str, Any] = {"base_url": self.base_url}
        if self.extra_body:
            self.answer_identity["extra_body"] = self.extra_body
        self._client = openai.OpenAI(
            api_key=key,
            base_url=self.base_url,
            organization=organization,
            timeout=self.timeout_s,
            max_retries=0,
        )

    @property
    def output_kinds(self) -> frozenset[str]:
        """The output formats enforced: what the server was found to enforce, or, in ``auto`` mode
        before the first constrained request probes it, what it may enforce."""
        return (self._support or structured.AUTO_OPTIMISTIC).output_kinds

    def complete(self, request: Request) -> Completion:
        """Answer one request; raise :class:`~rlgpt.TransientLLMError` for retryable failures.

        In ``auto`` mode the first request with an output format probes the server first.
        """
        if not self.supports_images and any(message.images for message in request.messages):
            raise LLMError(
                f"model {self.model!r} does not take images here; use an image model such as 'gpt-4o' "
                "or pass options.supports_images=true"
            )
        fields, constraint = structured.constraint_fields(self._supported(request), request.output)
        body = self._body(request, fields)
        start = time.perf_counter()
        try:
            text, usage, answered_by = self._stream(body) if self.stream else self._once(body)
        except openai.APIStatusError as error:
            if fields and structured.refuses_fields(error):
                raise LLMError(structured.refusal_message(self.base_url, fields, error)) from error
            raise map_error(error, model=self.model, base_url=self.base_url) from error
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
            constraint=constraint,
        )

    def _supported(self, request: Request) -> structured.Support:
        """What the server enforces; probes it first (``auto``) when ``request`` asks for a format."""
        if self._support is not None:
            return self._support
        if request.output is None:
            return structured.FORCED["none"]
        try:
            self._support = structured.detect(self.base_url, self._probe)
        except openai.OpenAIError as error:
            raise map_error(error, model=self.model, base_url=self.base_url) from error
        return self._support

    def _probe(self, fields: Mapping[str, Any]) -> str:
        """The answer to a tiny greedy request carrying the constraint ``fields`` (for detection)."""
        request = Request(
            (Message("user", structured.PROBE_PROMPT),),
            SamplingParams(temperature=0.0, max_tokens=structured.PROBE_TOKENS),
        )
        response = self._client.chat.completions.create(**self._body(request, fields))
        choices = getattr(response, "choices", None)
        return (choices[0].message.content or "") if choices else ""

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._client.close()

    def _body(self, request: Request, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Keyword arguments of ``chat.completions.create`` for ``request`` with constraint ``fields``."""
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
        extra_body = dict(self.extra_body)
        for name, value in fields.items():
            if name == "response_format":
                body[name] = value
            else:  # fields outside OpenAI's API, such as llama.cpp's grammar
                extra_body[name] = value
        if extra_body:
            body["extra_body"] = extra_body
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
