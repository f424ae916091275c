"""Extraction: fenced blocks, signatures, module-level strictness, normalised digests."""

from __future__ import annotations

import pytest
from rlgpt.code import CodeRejected, FunctionSignature, extract_program, normalised_digest

API = {"act": FunctionSignature(("api",))}

GOOD = '''
import math
LIMIT = 3
NAMES = ("a", "b")

def helper(x):
    """Double it."""
    return x * 2

def act(api):
    # walk a bit
    return helper(LIMIT) + math.floor(1.5)
'''


def test_fenced_python_block_is_extracted_and_helpers_kept():
    reply = f"Here is the code:\n```python\n{GOOD}```\nIt walks a bit."
    program = extract_program(reply, API)
    assert program.functions == ("helper", "act")
    assert program.entry_points == ("act",)
    assert "It walks" not in program.source
    assert "LIMIT = 3" in program.source


@pytest.mark.parametrize("fence", ["```py", "```", "```python3", "``` python"])
def test_other_python_fences(fence):
    program = extract_program(f"text\n{fence}\ndef act(api):\n    return 1\n```\nmore", API)
    assert program.functions == ("act",)


def test_non_python_blocks_are_ignored_and_python_blocks_joined():
    reply = (
        '```json\n{"a": 1}\n```\n'
        "```python\ndef helper():\n    return 2\n```\n"
        "and\n```python\ndef act(api):\n    return helper()\n```"
    )
    program = extract_program(reply, API)
    assert program.functions == ("helper", "act")
    assert "json" not in program.source and '"a"' not in program.source


def test_unfenced_code_is_accepted_when_it_parses():
    assert extract_program("def act(api):\n    return 1\n", API).functions == ("act",)


def test_prose_without_code_is_rejected():
    with pytest.raises(CodeRejected) as err:
        extract_program("I would walk to the tree and chop it.", API)
    assert err.value.reason == "no_code_block"
    assert "```python" in err.value.message


def test_syntax_error_names_the_line():
    with pytest.raises(CodeRejected) as err:
        extract_program("```python\ndef act(api):\n    x = (1,\n    return x\n```", API)
    assert err.value.reason == "syntax"
    assert err.value.line == 2
    assert "line 2" in err.value.message
    assert "x = (1," in err.value.message


def test_missing_function_names_the_required_signature():
    with pytest.raises(CodeRejected) as err:
        extract_program("def other(api):\n    return 1\n", API)
    assert err.value.reason == "missing_function"
    assert "def act(api)" in err.value.message
    assert "other" in err.value.message


@pytest.mark.parametrize(
    "header",
    ["def act(env):", "def act():", "def act(api, target):", "def act(api, *args):", "def act(api, *, k):"],
)
def test_wrong_signature_is_rejected(header):
    with pytest.raises(CodeRejected) as err:
        extract_program(f"{header}\n    return 1\n", API)
    assert err.value.reason == "bad_signature"
    assert "def act(api)" in err.value.message
    assert err.value.line == 1


def test_extra_parameters_with_defaults_and_tolerated_varargs_are_fine():
    assert extract_program("def act(api, n=3, *, k=1):\n    return n\n", API).functions == ("act",)
    loose = {"act": FunctionSignature(("api",), varargs_ok=True)}
    assert extract_program("def act(api, *args, **kw):\n    return 1\n", loose).functions == ("act",)


@pytest.mark.parametrize(
    ("source", "line", "fragment"),
    [
        ("def act(api):\n    return 1\n\nact(None)\n", 4, "act(None)"),
        ("X = 1\nfor i in range(3):\n    X += i\ndef act(api):\n    return 1\n", 2, "for i in range(3)"),
        ("class Helper:\n    pass\ndef act(api):\n    return 1\n", 1, "class Helper"),
        ("import functools\n@functools.cache\ndef act(api):\n    return 1\n", 3, "decorators"),
        ("def act(api):\n    return 1\ndef act(api):\n    return 2\n", 3, "defined twice"),
        ("X = compute()\ndef act(api):\n    return X\n", 1, "X = compute()"),
    ],
)
def test_module_level_statements_other_than_definitions_are_rejected(source, line, fragment):
    with pytest.raises(CodeRejected) as err:
        extract_program(source, API)
    assert err.value.reason == "forbidden_statement"
    assert err.value.line == line
    assert f"line {line}" in err.value.message
    assert fragment in err.value.message


def test_digest_ignores_formatting_comments_and_docstrings():
    compact = "def act(api):\n    return helper(1)+2\ndef helper(x):\n    return x\n"
    verbose = (
        '"""Module doc."""\n\n'
        "def act( api ):\n"
        '    """Act."""\n'
        "    # add two\n"
        "    return helper( 1 ) + 2   # done\n\n\n"
        "def helper(x):\n"
        "    '''Identity.'''\n"
        "    return (x)\n"
    )
    assert extract_program(compact, API).digest == extract_program(verbose, API).digest
    assert normalised_digest(f"Sure!\n```python\n{verbose}```") == extract_program(compact, API).digest


def test_digest_differs_when_semantics_differ():
    base = normalised_digest("def act(api):\n    return helper(1) + 2\n")
    assert normalised_digest("def act(api):\n    return helper(1) + 3\n") != base
    assert normalised_digest("def act(api):\n    return helper(2) + 2\n") != base
    assert normalised_digest("def act(api):\n    return 2 + helper(1)\n") != base


def test_digest_of_plain_text_ignores_whitespace_only():
    plan = "1. collect wood (code)\n2. craft table (rl)"
    assert normalised_digest(plan) == normalised_digest("1.  collect wood (code)\n\n 2. craft   table (rl)")
    assert normalised_digest(plan) != normalised_digest("1. collect stone (code)\n2. craft table (rl)")
