"""The LLM layer: message types, the backend protocol, retries, the response cache and the replay backend.

Backends also find here what they share: HTTP retry hints and status classification
(:mod:`rlgpt.llm.http`) and the OpenAI chat message format (:mod:`rlgpt.llm.openai_format`).

It knows nothing of what a request is for: callers label requests with opaque
``Request.tags``, which only the replay backend reads (to find answers).
"""

from rlgpt.llm.cache import CachedLLM, CacheStats, cache_key
from rlgpt.llm.factory import build_llm
from rlgpt.llm.http import is_transient_status, one_line, retry_after_s
from rlgpt.llm.openai_format import to_chat_messages
from rlgpt.llm.replay import ReplayLLM
from rlgpt.llm.retry import RetryingLLM
from rlgpt.llm.tokens import estimate_prompt_tokens, estimate_tokens
from rlgpt.llm.transcript import TranscriptError
from rlgpt.llm.types import (
    LLM,
    Completion,
    Constraint,
    Image,
    JsonSchema,
    LLMError,
    Message,
    OutputFormat,
    PythonBlock,
    Request,
    Role,
    SamplingParams,
    TransientLLMError,
    Usage,
    answer_identity,
    as_messages,
    constrains,
    constraint,
    output_kinds,
    system,
    user,
)

__all__ = [
    "LLM",
    "CacheStats",
    "CachedLLM",
    "Completion",
    "Constraint",
    "Image",
    "JsonSchema",
    "LLMError",
    "Message",
    "OutputFormat",
    "PythonBlock",
    "ReplayLLM",
    "Request",
    "RetryingLLM",
    "Role",
    "SamplingParams",
    "TranscriptError",
    "TransientLLMError",
    "Usage",
    "answer_identity",
    "as_messages",
    "build_llm",
    "cache_key",
    "constrains",
    "constraint",
    "estimate_prompt_tokens",
    "estimate_tokens",
    "is_transient_status",
    "one_line",
    "output_kinds",
    "retry_after_s",
    "system",
    "to_chat_messages",
    "user",
]
