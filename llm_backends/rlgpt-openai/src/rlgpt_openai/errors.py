"""Map the ``openai`` client's exceptions onto :class:`LLMError` / :class:`TransientLLMError`.

Rate limits, server errors (also those reported inside a stream), timeouts and lost
connections are transient (the core's retry policy decides what to do); everything
else fails for good with a one-line message that names the fix.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping

import openai
from rlgpt import LLMError, TransientLLMError

TRANSIENT_STATUS = frozenset({408, 409, 429})


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asks us to wait (``retry-after-ms``, ``Retry-After`` seconds or HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def transient(message: str, retry_after: float | None = None) -> TransientLLMError:
    """A :class:`TransientLLMError` carrying ``retry_after_s`` (``None`` when the server gave none)."""
    error = TransientLLMError(message)
    error.retry_after_s = retry_after  # type: ignore[attr-defined]
    return error


def one_line(text: str, limit: int = 300) -> str:
    """``text`` with its whitespace collapsed, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _status_fix(status: int, model: str, base_url: str) -> str:
    """What the user should do about a non-transient HTTP status."""
    if status == 401:
        return "check OPENAI_API_KEY or options.api_key"
    if status == 403:
        return f"check that the key may use model {model!r}"
    if status == 404:
        return f"check the model id {model!r} and that options.base_url ({base_url}) ends in /v1"
    return "check the model's options (max_tokens, temperature, images) against the server's limits"


def map_error(error: openai.OpenAIError, *, model: str, base_url: str) -> LLMError:
    """The rlgpt error for one ``openai`` exception raised while asking ``model`` at ``base_url``."""
    if isinstance(error, openai.APITimeoutError):
        return transient(f"request to {base_url} timed out; retry later or raise options.timeout_s")
    if isinstance(error, openai.APIConnectionError):
        return transient(f"cannot connect to {base_url}; check options.base_url and that the server is up")
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        detail = f"{base_url} answered {one_line(error.message)}"
        if status in TRANSIENT_STATUS or status >= 500:
            return transient(f"{detail}; retry later", retry_after_s(error.response.headers))
        return LLMError(f"{detail}; {_status_fix(status, model, base_url)}")
    if isinstance(error, openai.APIError):  # an error event inside a stream: the server failed mid-answer
        return transient(f"the answer from {base_url} broke off: {one_line(error.message)}; retry later")
    return LLMError(
        f"request to {base_url} failed: {one_line(str(error))}; check options.base_url and the model id"
    )
