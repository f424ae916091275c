"""Programs too long, too deeply nested or computing on load are refused by name, never a host traceback."""

from __future__ import annotations

import pytest
from rlgpt.code import (
    CodeRejected,
    FunctionSignature,
    Program,
    call_with_limits,
    check_policy,
    compile_program,
    extract_program,
    normalised_digest,
)
from rlgpt.code.bounds import MAX_NESTING, MAX_SOURCE_CHARS

REQUIRED = {"act": FunctionSignature(("api",))}


def elif_chain(branches: int) -> str:
    lines = ["def act(api):", "    x = len(api)"]
    for i in range(branches):
        lines.append(f"    {'if' if i == 0 else 'elif'} x == {i}:\n        return {i}")
    return "\n".join(lines) + "\n    return -1\n"


def long_sum(terms: int) -> str:
    return "def act(api):\n    return " + "+".join(["1"] * terms) + "\n"


def fenced(source: str) -> str:
    return f"Here is the code:\n```python\n{source}```\n"


DEEP = {"elif-200": elif_chain(200), "sum-500": long_sum(500), "sum-5000": long_sum(5000)}


@pytest.mark.parametrize("source", DEEP.values(), ids=DEEP.keys())
def test_deep_programs_are_refused_as_too_complex_with_the_fix(source):
    with pytest.raises(CodeRejected) as caught:
        extract_program(fenced(source), REQUIRED)
    rejection = caught.value
    assert rejection.reason == "too_complex"
    assert rejection.message.startswith("program nests too deeply (")
    assert "flatten it" in rejection.message and "\n" not in rejection.message


def test_the_depth_found_is_named_when_the_parser_managed():
    with pytest.raises(CodeRejected, match=r"nests too deeply \(50\d levels at line 2; the limit is 100\)"):
        extract_program(fenced(long_sum(500)), REQUIRED)


@pytest.mark.parametrize("source", DEEP.values(), ids=DEEP.keys())
def test_every_other_checkpoint_refuses_deep_programs_too(source):
    with pytest.raises(CodeRejected) as caught:
        check_policy(source)
    assert caught.value.reason == "too_complex"
    with pytest.raises(CodeRejected) as caught:
        compile_program(Program(source, ("act",), ("act",), digest="0" * 64))
    assert caught.value.reason == "too_complex"
    digest = normalised_digest(fenced(source))
    assert digest == normalised_digest(fenced(source)) and digest != normalised_digest(fenced(long_sum(499)))


def test_ordinary_long_code_is_still_accepted_and_runs():
    source = (
        elif_chain(40).replace("len(api)", "api")
        + "\n\ndef total(api):\n    return "
        + "+".join(["1"] * 60)
        + "\n"
    )
    compiled = compile_program(extract_program(fenced(source), REQUIRED))
    assert call_with_limits(compiled.function("act"), 39, timeout_s=5) == 39
    assert call_with_limits(compiled.function("total"), None, timeout_s=5) == 60
    assert MAX_NESTING >= 60


def test_a_program_too_long_is_refused_before_parsing():
    source = "def act(api):\n    return 1\n" + "# padding\n" * (MAX_SOURCE_CHARS // 10)
    with pytest.raises(CodeRejected, match=r"program is too long \(\d+ characters; the limit is \d+\)"):
        extract_program(fenced(source), REQUIRED)


@pytest.mark.parametrize(
    "default",
    ["sum(range(10**12))", "[0] * 10**10", "2 ** 10 ** 10", "(lambda: 1)()"],
)
def test_a_default_value_that_computes_is_refused_since_it_would_run_on_load(default):
    with pytest.raises(CodeRejected) as caught:
        extract_program(fenced(f"def act(api, n={default}):\n    return n\n"), REQUIRED)
    assert caught.value.reason == "forbidden_statement"
    assert "default value of `n` in `act` must be a plain value" in caught.value.message


def test_plain_default_values_are_accepted():
    source = (
        "import math\n\nLIMIT = 3\n\n"
        "def act(api, n=LIMIT, *, names=('a', -1.5), table={'x': [1, 2]}, pi=math.pi, none=None):\n"
        "    return n\n"
    )
    compiled = compile_program(extract_program(fenced(source), REQUIRED))
    assert compiled.function("act")(None) == 3


def test_a_module_level_that_fails_on_load_is_a_rejection_not_a_traceback():
    source = "def act(api, n=UNDEFINED):\n    return n\n"
    with pytest.raises(CodeRejected) as caught:
        compile_program(extract_program(fenced(source), REQUIRED))
    assert caught.value.reason == "runtime_error" and "NameError" in caught.value.message
