"""Turn ``anthropic`` client exceptions into rlgpt's :class:`LLMError` family.

Retryable failures (rate limits, overload, 5xx, timeouts, dropped connections) become
:class:`TransientLLMError` with ``retry_after_s`` read from the ``Retry-After`` header;
the core's retry wrapper decides whether and when to retry. Every message is one line
and names the fix.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping

import anthropic
from rlgpt import LLMError, TransientLLMError

TRANSIENT_TYPES = frozenset({"overloaded_error", "api_error", "timeout_error"})
"""Error types worth retrying; a stream reports them in an ``error`` event after HTTP 200."""


def one_line(text: object, limit: int = 300) -> str:
    """Collapse whitespace in ``text`` to single spaces and cut it to ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait according to ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(float(millis) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def transient(message: str, retry_after_s: float | None = None) -> TransientLLMError:
    """A :class:`TransientLLMError` carrying ``retry_after_s`` (None when the server gave no hint)."""
    error = TransientLLMError(message)
    error.retry_after_s = retry_after_s  # type: ignore[attr-defined]
    return error


def translate(error: anthropic.AnthropicError, *, model: str, base_url: str, timeout_s: float) -> LLMError:
    """Map one ``anthropic`` exception to the :class:`LLMError` to raise in its place."""
    if isinstance(error, anthropic.APITimeoutError):
        return transient(f"Anthropic request to {base_url} timed out after {timeout_s:g} s: raise timeout_s")
    if isinstance(error, anthropic.APIConnectionError):
        return transient(
            f"cannot reach the Anthropic API at {base_url} ({one_line(error.__cause__ or error)}):"
            " check the network or base_url"
        )
    if isinstance(error, anthropic.APIResponseValidationError):
        return LLMError(f"malformed Anthropic response from {base_url}: {one_line(error)}; check base_url")
    if isinstance(error, anthropic.APIStatusError):
        return _from_status(error, model=model)
    return LLMError(f"Anthropic client error: {one_line(error)}")


def _from_status(error: anthropic.APIStatusError, *, model: str) -> LLMError:
    """Map an HTTP error status to a transient or permanent error."""
    status = error.status_code
    detail = one_line(error.api_message or error.body or error.message)
    where = f"HTTP {status}, model {model!r}: {detail}"
    wait = retry_after_seconds(error.response.headers)
    if status == 429 or error.type == "rate_limit_error":
        return transient(f"Anthropic rate limit ({where}): wait and retry, or lower the request rate", wait)
    if status >= 500 or status == 408 or error.type in TRANSIENT_TYPES:
        return transient(f"Anthropic API unavailable ({where}): retry later", wait)
    if status == 401:
        return LLMError(f"Anthropic rejected the API key ({where}): set a valid ANTHROPIC_API_KEY")
    if status == 403:
        return LLMError(f"Anthropic API key lacks permission ({where}): use a key with access to this model")
    if status == 404:
        return LLMError(
            f"Anthropic does not know this model or path ({where}): check the model id and base_url"
        )
    if status == 413:
        return LLMError(f"request too large for Anthropic ({where}): shorten the prompt or send fewer images")
    return LLMError(f"Anthropic rejected the request ({where}): fix the request as the message says")
