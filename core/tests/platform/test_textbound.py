"""Text from LLMs and generated code is cleaned and bounded before it enters events, files and prompts."""

from __future__ import annotations

import json

from rlgpt.code import call_with_limits, compile_program, extract_program
from rlgpt.code.errors import CodeRejected
from rlgpt.runs import RunDirectory
from rlgpt.textbound import MAX_MESSAGE_CHARS, bound_text, collapse_repeats, safe_text

SURROGATES = "reply \udcff\udc80 from binary decoded with surrogateescape"


def test_a_recursion_error_keeps_its_first_and_last_frames_and_counts_the_rest():
    program = extract_program("def f(api):\n    return f(api)\n", {})
    function = compile_program(program).function("f")
    try:
        call_with_limits(function, None, timeout_s=5.0)
    except CodeRejected as exc:
        message = exc.message
    assert "RecursionError" in message
    assert len(message) < MAX_MESSAGE_CHARS
    assert "repeated" in message and "more times" in message
    assert message.count('File "<coded_action:f>"') <= 4


def test_huge_text_keeps_head_and_tail_and_says_how_much_was_dropped():
    text = "".join(f"line {i}: something different\n" for i in range(20_000))
    bounded = bound_text(text, 1000)
    assert len(bounded) <= 1000
    assert bounded.startswith("line 0:") and "line 19999" in bounded
    assert "characters dropped" in bounded


def test_repeated_blocks_collapse_to_first_and_last_copy():
    text = "start\n" + "a\nb\n" * 50 + "end"
    collapsed = collapse_repeats(text)
    assert collapsed.splitlines() == [
        "start",
        "a",
        "b",
        "  [... the 2 lines above repeated 48 more times ...]",
        "a",
        "b",
        "end",
    ]


def test_lone_surrogates_never_crash_writing_events_or_files(tmp_path):
    run = RunDirectory.create(tmp_path, "env", "task", {"note": SURROGATES})
    run.append_event("llm_call", response=SURROGATES, nested={"k": [SURROGATES]})
    run.write_text("report.md", SURROGATES)
    run.write_json("llm/00001.json", {"response": SURROGATES})
    event = run.read_events().events[-1]
    assert (
        event["response"]
        == safe_text(SURROGATES)
        == SURROGATES.replace("\udcff", "\\udcff").replace("\udc80", "\\udc80")
    )
    assert "\\udcff" in (run.path / "report.md").read_text(encoding="utf-8")
    json.loads((run.path / "llm/00001.json").read_text(encoding="utf-8"))
    assert safe_text(SURROGATES).encode("utf-8")
    assert run.config["note"]


def test_events_bound_long_strings(tmp_path):
    run = RunDirectory.create(tmp_path, "env", "task", {})
    event = run.append_event("plan_rejected", error="x" * 300_000)
    assert len(event["error"]) < 20_000 and "characters dropped" in event["error"]
