"""Output formats on requests: the code-block pattern, capabilities through wrappers, the cache key."""

from __future__ import annotations

import re

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

EMPTY = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
SCHEMA = JsonSchema("plan", EMPTY)


def test_the_code_pattern_wants_one_block_defining_the_functions_in_order():
    pattern = PythonBlock(("chop_tree", "done")).pattern()
    good = "```python\nimport math\n\ndef chop_tree(api):\n    return api.do()\n\n"
    good += "def done(api):\n    return 1\n```"
    assert re.fullmatch(pattern, good)
    assert not re.fullmatch(pattern, good.replace("def done", "def finished"))
    assert not re.fullmatch(pattern, "Here it is:\n" + good)
    assert not re.fullmatch(pattern, good + "\n```python\ndef extra(api):\n    pass\n```")
    quoted = good.replace("return api.do()", 'return api.do()  # see ``api.do`` and `do`')
    assert re.fullmatch(pattern, quoted), "one or two backticks in a row may appear inside"
    assert not re.fullmatch(pattern, good.replace("import math", "import math  # ```"))


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
    }
    assert len(keys) == 4


def test_lone_surrogates_in_answers_and_prompts_are_cached(write_transcript, tmp_path):
    transcript = write_transcript({"match": {}, "response": "broken \ud800 text"})
    cached = CachedLLM(ReplayLLM(transcript=transcript), tmp_path / "cache.sqlite")
    request = Request((user("odd \udc80 prompt"),))

    fresh = cached.complete(request)
    again = cached.complete(request)

    assert again.cached and fresh.text == again.text
    assert fresh.text.startswith("broken \ufffd") and fresh.text.endswith(" text")
    fresh.text.encode("utf-8")
