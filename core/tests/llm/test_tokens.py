"""Token estimates."""

from __future__ import annotations

from rlgpt.llm import Image, Message, estimate_prompt_tokens, estimate_tokens
from rlgpt.llm.tokens import IMAGE_TOKENS, MESSAGE_OVERHEAD_TOKENS


def test_estimate_rounds_up_at_four_characters_per_token() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("a") == 1
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens("x" * 400) == 100


def test_prompt_estimate_counts_every_message_framing_and_images() -> None:
    messages = [
        Message("system", "abcdefgh"),
        Message("user", "abcd", images=(Image(b"png"), Image(b"png2"))),
    ]
    expected = (2 + MESSAGE_OVERHEAD_TOKENS) + (1 + MESSAGE_OVERHEAD_TOKENS + 2 * IMAGE_TOKENS)
    assert estimate_prompt_tokens(messages) == expected
