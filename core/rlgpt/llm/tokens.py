"""Token estimates for backends that cannot count.

The heuristic is the usual rule of thumb for BPE tokenisers on English text and
source code: about four characters per token. It is rounded up, so any
non-empty text counts as at least one token. Chat formats add a few tokens of
framing per message, and an attached image is charged a flat amount (the size
of a low-detail image in OpenAI's accounting). These numbers are estimates for
comparing runs, not bills: a backend that reports real counts uses those.
"""

from __future__ import annotations

from collections.abc import Iterable

from rlgpt.llm.types import Message

CHARS_PER_TOKEN = 4
"""Characters per token assumed by :func:`estimate_tokens`."""

MESSAGE_OVERHEAD_TOKENS = 4
"""Tokens of chat framing (role markers, separators) charged per message."""

IMAGE_TOKENS = 85
"""Tokens charged per attached image."""


def estimate_tokens(text: str) -> int:
    """Estimate the tokens of ``text``: ``ceil(len(text) / 4)``, so ``""`` is 0 and ``"a"`` is 1."""
    return -(-len(text) // CHARS_PER_TOKEN)


def estimate_prompt_tokens(messages: Iterable[Message]) -> int:
    """Estimate the prompt tokens of a conversation: content, per-message framing and images."""
    return sum(
        estimate_tokens(message.content) + MESSAGE_OVERHEAD_TOKENS + IMAGE_TOKENS * len(message.images)
        for message in messages
    )
