"""Messages in the OpenAI chat format: plain turns, images as data-URL parts, images only from users."""

from __future__ import annotations

import base64

import pytest
from rlgpt.llm import Image, LLMError, Message, to_chat_messages

PNG = b"\x89PNG fake bytes"


def test_plain_messages_keep_role_and_content() -> None:
    messages = [Message("system", "be brief"), Message("user", "hi"), Message("assistant", "hello")]
    assert to_chat_messages(messages) == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
    ]


def test_images_become_data_url_parts_after_the_text() -> None:
    message = Message("user", "what is this?", (Image(PNG), Image(b"jpeg bytes", "image/jpeg")))
    [converted] = to_chat_messages([message])
    encoded = base64.b64encode(PNG).decode("ascii")
    assert converted == {
        "role": "user",
        "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{encoded}"}},
            {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,anBlZyBieXRlcw=="}},
        ],
    }


@pytest.mark.parametrize("role", ["system", "assistant"])
def test_images_outside_user_messages_are_refused(role: str) -> None:
    with pytest.raises(LLMError, match=f"a {role} message carries images; attach images to user messages"):
        to_chat_messages([Message(role, "look", (Image(PNG),))])
