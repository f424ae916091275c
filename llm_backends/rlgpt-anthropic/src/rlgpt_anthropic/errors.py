"""Turn ``anthropic`` client exceptions into rlgpt's :class:`LLMError` family.

Retryable failures (rate limits, overload, 5xx, timeouts, dropped connections) become
:class:`TransientLLMError` with ``retry_after_s`` read from the ``Retry-After`` header;
the core's retry wrapper decides whether and when to retry. Every message is one line
and names the fix.
"""

from __future__ import annotations

import anthropic
from rlgpt import LLMError, TransientLLMError
from rlgpt.llm import is_transient_status, one_line, retry_after_s

TRANSIENT_TYPES = frozenset({"overloaded_error", "api_error", "timeout_error"})
"""Error types worth retrying; a stream reports them in an ``error`` event after HTTP 200."""


def translate(error: anthropic.AnthropicError, *, model: str, base_url: str, timeout_s: float) -> LLMError:
    """Map one ``anthropic`` exception to the :class:`LLMError` to raise in its place."""
    if isinstance(error, anthropic.APITimeoutError):
        return TransientLLMError(
            f"Anthropic request to {base_url} timed out after {timeout_s:g} s: raise timeout_s"
        )
    if isinstance(error, anthropic.APIConnectionError):
        return TransientLLMError(
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
    wait = retry_after_s(error.response.headers)
    if status == 429 or error.type == "rate_limit_error":
        return TransientLLMError(
            f"Anthropic rate limit ({where}): wait and retry, or lower the request rate", retry_after_s=wait
        )
    if is_transient_status(status) or error.type in TRANSIENT_TYPES:
        return TransientLLMError(f"Anthropic API unavailable ({where}): retry later", retry_after_s=wait)
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
