"""Map the ``openai`` client's exceptions onto :class:`LLMError` / :class:`TransientLLMError`.

Rate limits, server errors (also those reported inside a stream), timeouts and lost
connections are transient (the core's retry policy decides what to do); everything
else fails for good with a one-line message that names the fix.
"""

from __future__ import annotations

import openai
from rlgpt import LLMError, TransientLLMError
from rlgpt.llm import is_transient_status, one_line, retry_after_s

CONFLICT = 409
"""Also transient here: OpenAI answers 409 on a lock timeout of its own, and its clients retry it."""


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
        return TransientLLMError(f"request to {base_url} timed out; retry later or raise options.timeout_s")
    if isinstance(error, openai.APIConnectionError):
        return TransientLLMError(
            f"cannot connect to {base_url}; check options.base_url and that the server is up"
        )
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        detail = f"{base_url} answered {one_line(error.message)}"
        if is_transient_status(status, also=(CONFLICT,)):
            return TransientLLMError(
                f"{detail}; retry later", retry_after_s=retry_after_s(error.response.headers)
            )
        return LLMError(f"{detail}; {_status_fix(status, model, base_url)}")
    if isinstance(error, openai.APIError):  # an error event inside a stream: the server failed mid-answer
        return TransientLLMError(
            f"the answer from {base_url} broke off: {one_line(error.message)}; retry later"
        )
    return LLMError(
        f"request to {base_url} failed: {one_line(error)}; check options.base_url and the model id"
    )
