"""Dry runs with a done condition and their execution traces: calls repeated until done, the
skill calls listed with their results, bounded for programs that make thousands of calls."""

from __future__ import annotations

from pathlib import Path

from rlgpt.code import DryRunSpec, dry_run
from rlgpt.code.trace import MAX_CHARS, MAX_LINES, short

HERE = str(Path(__file__).parent)

ONE_STEP = """
def walk(api):
    api.right()
    return api.position() >= 2

def done(api):
    return api.position() >= 3
"""


def spec(source: str, **overrides) -> DryRunSpec:
    """A corridor spec (five cells, the episode ends at the last) with short limits."""
    options = {
        "env_entry_point": "code_tiny_env:make_corridor",
        "skill_api": "code_tiny_env:CorridorSkills",
        "source": source,
        "function": "walk",
        "call_timeout_s": 2.0,
        "cpu_s": 10.0,
        "memory_mb": 256,
        "wall_s": 60.0,
        "extra_sys_path": (HERE,),
    }
    return DryRunSpec(**{**options, **overrides})


def test_the_trace_lists_the_skill_calls_of_a_tiny_program_with_their_results():
    result = dry_run(spec(ONE_STEP, done_function="done"))
    assert result.ok, result.error
    lines = result.trace.splitlines()
    assert lines[0] == "state before: position=0"
    assert lines[1:3] == ["  api.right() -> None", "  api.position() -> 1"]
    assert "call 1 of walk returned False after 1 steps (reward 0); done(api) -> False" in lines[3]
    assert lines[-2:] == [
        "state after: position=1",
        "stopped: done(api) did not hold after 1 call(s) (at most 1)",
    ]
    assert (result.calls, result.reached) == (1, 0)


def test_with_more_calls_the_function_is_called_until_done_holds():
    result = dry_run(spec(ONE_STEP, done_function="done", max_calls=10))
    assert result.ok, result.error
    assert (result.calls, result.reached, result.steps) == (3, 1, 3)
    assert result.trace.endswith("stopped: done reached: done(api) held after 3 call(s)")
    assert "state after: position=3" in result.trace


def test_the_describe_function_summarises_the_state_and_an_error_names_its_line():
    source = "def walk(api):\n    api.right()\n    return 1 / 0\n\ndef done(api):\n    return False\n"
    result = dry_run(spec(source, done_function="done", describe="code_tiny_env:describe_corridor"))
    assert not result.ok and result.error.reason == "runtime_error"
    assert result.trace.splitlines()[0] == "state before: at cell 0 of 5"
    assert "state after: at cell 1 of 5" in result.trace
    assert "stopped: rejected (runtime_error) at line 3: line 3 (`return 1 / 0`)" in result.trace


def test_the_trace_is_bounded_for_a_program_making_thousands_of_calls():
    loop = "    for i in range(5000):\n        api.distance_to(i)\n"
    result = dry_run(spec(f"def walk(api):\n{loop}    api.right()\n    return i\n", done_function=None))
    assert result.ok, result.error
    lines = result.trace.splitlines()
    assert len(lines) <= MAX_LINES and len(result.trace) <= MAX_CHARS
    assert "  api.distance_to(0) -> 0" in lines, "the first calls are kept"
    assert "5,001 skill calls in all" in result.trace
    assert lines[-5:-3] == ["  api.distance_to(4999) -> 4999", "  api.right() -> None"], "and the last ones"
    assert lines[-1] == "stopped: walk returned"


def test_the_same_call_in_a_row_is_one_line_with_a_count():
    loop = "    for i in range(3000):\n        api.position()\n"
    result = dry_run(spec(f"def walk(api):\n{loop}    api.right()\n    return i\n", done_function=None))
    assert result.trace.splitlines()[1:3] == ["  api.position() -> 0 (x3000)", "  api.right() -> None"]


def test_a_large_mapping_shows_its_set_entries():
    assert short({f"item{i}": 0 for i in range(12)} | {"wood": 2}) == "{'wood': 2, +12 zero or empty}"


def test_a_step_budget_stop_is_where_the_trace_ends():
    source = "def walk(api):\n    while True:\n        api.left()\n\ndef done(api):\n    return False\n"
    result = dry_run(spec(source, done_function="done", step_budget=30))
    assert result.error.reason == "step_budget"
    assert result.trace.splitlines()[-1].startswith("stopped: rejected (step_budget): `walk` used all 30")
    assert "api.left() raised StepBudgetExceeded" in result.trace


def test_a_describe_function_the_child_cannot_import_falls_back_to_info():
    result = dry_run(spec(ONE_STEP, done_function="done", describe="no_such_module:describe"))
    assert result.ok, result.error
    assert result.trace.splitlines()[0] == "state before: position=0"
