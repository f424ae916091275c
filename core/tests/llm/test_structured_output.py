"""Output formats on requests: the code-block pattern, capabilities through wrappers, the cache key."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from rlgpt.code import DEFAULT_ALLOWED_MODULES
from rlgpt.llm import (
    CachedLLM,
    JsonSchema,
    PythonBlock,
    ReplayLLM,
    Request,
    RetryingLLM,
    cache_key,
    constrains,
    output_kinds,
    user,
)
from rlgpt.llm.transcript import load_transcript

EMPTY = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
SCHEMA = JsonSchema("plan", EMPTY)


def test_the_code_pattern_wants_one_block_defining_the_functions_in_order():
    pattern = PythonBlock(("chop_tree", "done"), modules=("math",)).pattern()
    good = "```python\nimport math\n\ndef chop_tree(api):\n    return api.do()\n\n"
    good += "def done(api):\n    return 1\n```"
    assert re.fullmatch(pattern, good)
    assert not re.fullmatch(pattern, good.replace("def done", "def finished"))
    assert not re.fullmatch(pattern, "Here it is:\n" + good)
    assert not re.fullmatch(pattern, good + "\n```python\ndef extra(api):\n    pass\n```")
    quoted = good.replace("return api.do()", "return api.do()  # see ``api.do`` and `do`")
    assert re.fullmatch(pattern, quoted), "one or two backticks in a row may appear inside"
    assert re.fullmatch(pattern, good.replace("return 1", "return 1  # ``x``")), "also at a line's end"
    assert not re.fullmatch(pattern, good.replace("import math", "import math  # ```"))
    assert not re.fullmatch(pattern, good.replace("return 1\n```", "return 1```")), "the fence is a line"


def test_the_code_pattern_admits_only_what_a_program_of_coded_actions_may_hold():
    pattern = PythonBlock(("act",), modules=("math", "collections")).pattern()

    def block(head: str, tail: str = "") -> str:
        return f"```python\n{head}def act(api):\n    return True\n{tail}```"

    imports = "# helpers\nfrom collections import deque\nimport math, collections\n\n"
    assert re.fullmatch(pattern, block(imports))
    helper = 'def helper(api):\n    """Doc."""\n    return 1\n'
    assert re.fullmatch(pattern, block("", tail="\n" + helper))
    assert not re.fullmatch(pattern, block(helper)), "helpers come after the first required function"
    assert re.fullmatch(pattern, block('AWAY = {\n    "left": "right",\n}\nSTEPS_2 = 3\n\n')), "constants"
    assert not re.fullmatch(pattern, block("class SkillAPI:\n    pass\n")), "no classes"
    assert not re.fullmatch(pattern, block("x = 1\n")), "no top-level statements"
    assert not re.fullmatch(pattern, block("import os\n")), "only the allowed modules"
    assert not re.fullmatch(pattern, block("from typing import *\n"))
    assert not re.fullmatch(pattern, block("from collections import *\n")), "no star imports"
    assert not re.fullmatch(pattern, block("import mathx\n"))
    assert not re.fullmatch(PythonBlock(("act",)).pattern(), block("import math\n")), "no modules, no imports"


def test_wrappers_pass_the_inner_backends_output_kinds_through(write_transcript, tmp_path):
    replay = ReplayLLM(transcript=write_transcript({"match": {}, "response": "{}"}))
    assert output_kinds(replay) == frozenset()

    class Constraining(ReplayLLM):
        output_kinds = frozenset({"json_schema"})

    inner = Constraining(transcript=write_transcript({"match": {}, "response": "{}"}, name="c.jsonl"))
    wrapped = CachedLLM(RetryingLLM(inner), tmp_path / "cache.sqlite")
    assert output_kinds(wrapped) == {"json_schema"}
    assert constrains(wrapped, Request((user("plan"),), output=SCHEMA))
    assert not constrains(wrapped, Request((user("code"),), output=PythonBlock(("act",))))
    assert not constrains(wrapped, Request((user("chat"),)))


def test_the_output_format_is_part_of_the_cache_key():
    plain = Request((user("Plan."),))
    keys = {
        cache_key("b", "m", plain),
        cache_key("b", "m", Request(plain.messages, output=SCHEMA)),
        cache_key("b", "m", Request(plain.messages, output=JsonSchema("critique", SCHEMA.schema))),
        cache_key("b", "m", Request(plain.messages, output=PythonBlock(("act",)))),
        cache_key("b", "m", Request(plain.messages, output=PythonBlock(("act",), modules=("math",)))),
    }
    assert len(keys) == 5


def test_lone_surrogates_in_answers_and_prompts_are_cached(write_transcript, tmp_path):
    transcript = write_transcript({"match": {}, "response": "broken \ud800 text"})
    cached = CachedLLM(ReplayLLM(transcript=transcript), tmp_path / "cache.sqlite")
    request = Request((user("odd \udc80 prompt"),))

    fresh = cached.complete(request)
    again = cached.complete(request)

    assert again.cached and fresh.text == again.text
    assert fresh.text.startswith("broken \ufffd") and fresh.text.endswith(" text")
    fresh.text.encode("utf-8")


TRANSCRIPTS = Path(__file__).parents[3] / "examples" / "transcripts"


def test_every_reference_program_fits_the_constrained_code_language():
    """A constrained backend can write what the reference answers do: each program, with its helpers moved
    after the required functions, fits the language."""
    programs = {}  # a transcript that includes another repeats its answers: each program once
    for transcript in sorted(TRANSCRIPTS.glob("*.jsonl")):
        entries = load_transcript(transcript)
        programs |= dict.fromkeys(e.response for e in entries if e.match.get("role") == "coder")
    assert len(programs) >= 40
    for program in programs:
        required, reordered = helpers_last(program)
        block = PythonBlock(required, modules=DEFAULT_ALLOWED_MODULES)
        assert re.fullmatch(block.pattern(), reordered), reordered[:300]


def helpers_last(program: str) -> tuple[tuple[str, ...], str]:
    """The program's required functions (``done``, ``reward`` and the coded actions: every function no
    other one calls) and the program with its other functions after them, as a coder following the
    prompt writes it."""
    source = program.strip().removeprefix("```python\n").removesuffix("```")
    module = ast.parse(source)
    functions = [node for node in module.body if isinstance(node, ast.FunctionDef)]
    calls = [node for f in functions for node in ast.walk(f) if isinstance(node, ast.Call)]
    called = {call.func.id for call in calls if isinstance(call.func, ast.Name)}
    required = [f for f in functions if f.name not in called and not f.name.startswith("can_")]
    rest = [node for node in module.body if node not in required and not isinstance(node, ast.FunctionDef)]
    helpers = [f for f in functions if f not in required]
    parts = [ast.get_source_segment(source, node) for node in [*rest, *required, *helpers]]
    return tuple(f.name for f in required), "```python\n" + "\n\n".join(parts) + "\n```"
