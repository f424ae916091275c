"""Replies whose fences nest or whose source cannot even be located by line still get honest messages."""

from __future__ import annotations

import pytest
from rlgpt.code import CodeRejected, FunctionSignature, extract_program

REQUIRED = {"act": FunctionSignature(("api",))}
BODY = 'def act(api):\n    api.move("left")\n'


@pytest.mark.parametrize(
    "reply",
    [
        f"Answer:\n```\nHere is the code:\n```python\n{BODY}```\n```\n",
        f"```markdown\nSome text\n```python\n{BODY}```\n```",
        '````python\ndef act(api):\n    """Use:\n    ```python\n    act(api)\n    ```\n    """\n'
        "    return 1\n````\n",
    ],
    ids=["bare-around-python", "markdown-around-python", "four-backticks-with-fenced-docstring"],
)
def test_nested_fences_still_find_the_function(reply):
    program = extract_program(reply, REQUIRED)
    assert "act" in program.functions


def test_a_reply_without_the_function_names_what_it_does_define():
    with pytest.raises(CodeRejected, match=r"functions defined: other"):
        extract_program("```python\ndef other(api):\n    return 1\n```", REQUIRED)


def test_a_syntax_error_without_a_line_never_says_line_none():
    with pytest.raises(CodeRejected) as caught:
        extract_program("```python\ndef act(api):\n    return 1\x00\n```", REQUIRED)
    assert caught.value.reason == "syntax" and "None" not in caught.value.message


@pytest.mark.parametrize(
    ("reply", "defined"),
    [
        ("```markdown\nSome text\n```python\ndef other(api):\n    return 1\n```\n```", "other"),
        (
            "```markdown\nText\n```python\ndef act(api):\n    return 1\n\n"
            "def helper(api):\n    return 2\n```\n```",
            "act, helper",
        ),
    ],
    ids=["wrong-name", "one-of-two"],
)
def test_nested_fences_name_the_functions_the_code_does_define(reply, defined):
    required = {**REQUIRED, "done": FunctionSignature(("api",))}
    with pytest.raises(CodeRejected) as caught:
        extract_program(reply, required)
    assert caught.value.reason == "missing_function"
    assert f"(functions defined: {defined})" in caught.value.message
    if "act" in defined:
        assert "`def done(api)`" in caught.value.message
