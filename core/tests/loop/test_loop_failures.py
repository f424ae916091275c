"""The loop survives bad LLM output: broken code is fixed or counted, bad JSON repaired, loops detected."""

from __future__ import annotations

import json

import pytest
from gridcraft_plans import CODE_PLAN
from rlgpt.loop import Loop


def fenced(body: str) -> str:
    return f"```python\n{body}\n\ndef done(api):\n    return api.inventory()['wood'] >= 2\n```"


@pytest.fixture
def good_wood(reference_entries) -> str:
    return next(e for e in reference_entries if e["match"].get("subtask") == "get_wood")["response"]


@pytest.fixture
def code_only(write_transcript, reference_entries):
    """A transcript of a two-step all-code plan, with chosen answers for get_wood."""

    def build(wood_answers: list[str], more: tuple = ()):
        return write_transcript(list(more) + _code_only_entries(wood_answers) + reference_entries)

    return build


def _code_only_entries(wood_answers: list[str]) -> list[dict]:
    entries = [
        {"match": {"role": "planner"}, "response": json.dumps(CODE_PLAN)},
        {"match": {"role": "critic"}, "response": json.dumps({"planner_feedback": "fine", "replan": False})},
    ]
    for attempt, answer in enumerate(wood_answers):
        match = {"role": "coder", "subtask": "get_wood", "attempt": attempt}
        entries.append({"match": match, "response": answer})
    return entries


def only_record(loop):
    return next(e for e in loop.run_dir.read_events() if e["kind"] == "iteration_end")["record"]


def test_code_that_raises_is_fixed_in_the_inner_loop(code_only, good_wood, make_config):
    broken = fenced("def get_wood(api):\n    api.chop()\n    return {}['wood']")
    config = make_config(method="pure-code", transcript=code_only([broken, good_wood]))
    loop = Loop.from_config(config, progress_bar=False)
    assert loop.run().status == "target_reached"
    record = only_record(loop)
    assert record["code_rejections"] == {"runtime_error": 1}
    rejected = next(e for e in loop.run_dir.read_events() if e["kind"] == "code_rejected")
    assert "KeyError" in rejected["message"] and "line 3" in rejected["message"]
    fix_request = [e for e in loop.run_dir.read_events() if e["kind"] == "llm_call"][2]
    assert fix_request["tags"]["attempt"] == "1"
    sent = json.loads((loop.run_dir.path / fix_request["file"]).read_text())
    assert "KeyError" in sent["messages"][-1]["content"]  # the coder sees the exact reason


def test_unsafe_code_is_rejected_with_its_reason_and_the_run_goes_on(code_only, good_wood, make_config):
    attacks = [
        fenced("import os\n\ndef get_wood(api):\n    os.system('true')"),
        fenced("def get_wood(api):\n    open('/etc/passwd').read()"),
        fenced("def get_wood(api):\n    return ().__class__.__bases__[0].__subclasses__()"),
        fenced("def get_wood(api):\n    while True:\n        pass"),
    ]
    config = make_config(method="pure-code", transcript=code_only([*attacks, good_wood]), max_fixes=4)
    loop = Loop.from_config(config, progress_bar=False)
    assert loop.run().status == "target_reached"
    assert only_record(loop)["code_rejections"] == {
        "forbidden_import": 1,
        "forbidden_name": 1,
        "dunder_access": 1,
        "timeout": 1,
    }


def test_code_never_fixed_counts_as_failure_not_crash(code_only, make_config):
    always_prose = {"match": {"role": "coder", "subtask": "get_wood"}, "response": "no code here, sorry"}
    config = make_config(method="pure-code", transcript=code_only([], more=[always_prose]), max_fixes=1)
    loop = Loop.from_config(config, progress_bar=False)
    summary = loop.run()
    record = only_record(loop)
    assert summary.status == "max_iterations" and record["success_rate"] == 0.0
    assert sum(record["code_rejections"].values()) == 2
    assert "no valid program" in record["summary"]


def test_malformed_json_is_repaired_or_counted(code_only, good_wood, make_config):
    entries = [
        {"match": {"role": "planner"}, "response": "My plan: {subtasks: get_wood then house}"},
        {"match": {"role": "planner", "repair": "1"}, "response": json.dumps(CODE_PLAN)},
        {"match": {"role": "critic"}, "response": '{"verdicts": [{"subtask": "x", "verdict": "great"}]}'},
    ]
    config = make_config(method="pure-code", transcript=code_only([good_wood], more=entries))
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    record = only_record(loop)
    assert record["success_rate"] == 1.0  # the repaired plan ran
    assert record["malformed_answers"] == {"critic": 1}  # the critic stayed broken after its repair
    repair = [e for e in loop.run_dir.read_events() if e["kind"] == "llm_call" and "repair" in e["tags"]]
    assert [e["tags"]["role"] for e in repair] == ["planner", "critic"]
    sent = json.loads((loop.run_dir.path / repair[0]["file"]).read_text())
    assert "invalid JSON" in sent["messages"][-1]["content"]


@pytest.mark.parametrize("empty", [{}, {"verdicts": [], "planner_feedback": " ", "coder_feedback": ""}])
def test_an_empty_critique_is_a_counted_malformed_answer(code_only, good_wood, make_config, empty):
    entries = [{"match": {"role": "critic"}, "response": json.dumps(empty)}]
    config = make_config(method="pure-code", transcript=code_only([good_wood], more=entries))
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    assert only_record(loop)["malformed_answers"] == {"critic": 1}
    repair = next(e for e in loop.run_dir.read_events() if e["kind"] == "llm_call" and "repair" in e["tags"])
    sent = json.loads((loop.run_dir.path / repair["file"]).read_text())
    assert "the critique is empty" in sent["messages"][-1]["content"]


def test_a_plan_that_repeats_without_improving_ends_as_dead_loop(code_only, good_wood, make_config):
    plan = {"subtasks": [CODE_PLAN["subtasks"][0]]}  # never builds the house: success stays 0
    entries = [{"match": {"role": "planner"}, "response": json.dumps(plan)}]
    config = make_config(
        method="pure-code",
        transcript=code_only([good_wood], more=entries),
        agents="slow+fast",
        max_iterations=6,
        dead_loop_patience=2,
    )
    loop = Loop.from_config(config, progress_bar=False)
    summary = loop.run()
    assert summary.status == "dead_loop" and summary.iterations == 3
    records = [e["record"] for e in loop.run_dir.read_events() if e["kind"] == "iteration_end"]
    assert [r["repeated"] for r in records] == [False, True, True]
    assert records[-1]["dead_loop"] and summary.dead_loop_iterations == 2


def test_a_replayed_answer_is_never_said_to_be_cut_off(code_only, good_wood, make_config):
    """The replay backend cuts nothing: a long recorded answer is repaired without a cut-off claim
    (the note for answers that did stop at max_tokens is tested with a live-like backend in test_coder)."""
    long_prose = "I will now think about the plan in great detail. " * 40
    entries = [
        {"match": {"role": "planner"}, "response": long_prose},
        {"match": {"role": "planner", "repair": "1"}, "response": json.dumps(CODE_PLAN)},
    ]
    config = make_config(
        method="pure-code", transcript=code_only([good_wood], more=entries), llm={"max_tokens": 100}
    )
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    repair = next(e for e in loop.run_dir.read_events() if e["kind"] == "llm_call" and "repair" in e["tags"])
    sent = json.loads((loop.run_dir.path / repair["file"]).read_text())
    assert "no JSON object found" in sent["messages"][-1]["content"]
    assert "cut off" not in sent["messages"][-1]["content"]


def test_the_same_unusable_plan_again_and_again_is_a_dead_loop(code_only, make_config):
    entries = [{"match": {"role": "planner"}, "response": "I cannot plan this."}]
    config = make_config(
        method="pure-code", transcript=code_only([], more=entries), max_iterations=5, dead_loop_patience=2
    )
    loop = Loop.from_config(config, progress_bar=False)
    summary = loop.run()
    assert summary.status == "dead_loop" and summary.iterations == 3
    assert summary.malformed_answers == 3


def test_programs_nested_too_deeply_are_rejected_by_name_and_the_run_goes_on(
    code_only, good_wood, make_config
):
    branches = "".join(
        f"    {'if' if i == 0 else 'elif'} x == {i}:\n        api.chop()\n" for i in range(200)
    )
    deep = [
        fenced("def get_wood(api):\n    x = 0\n" + branches),
        fenced("def get_wood(api):\n    return " + "+".join(["1"] * 500)),
        fenced("def get_wood(api):\n    return " + "+".join(["1"] * 5000)),
    ]
    config = make_config(method="pure-code", transcript=code_only([*deep, good_wood]), max_fixes=3)
    loop = Loop.from_config(config, progress_bar=False)
    assert loop.run().status == "target_reached"
    assert only_record(loop)["code_rejections"] == {"too_complex": 3}
    rejected = [e for e in loop.run_dir.read_events() if e["kind"] == "code_rejected"]
    assert all(e["message"].startswith("program nests too deeply (") for e in rejected)
    fix_request = [e for e in loop.run_dir.read_events() if e["kind"] == "llm_call"][2]
    sent = json.loads((loop.run_dir.path / fix_request["file"]).read_text())
    assert "nests too deeply" in sent["messages"][-1]["content"]  # the coder is told why, and how to fix it
