"""Restricted execution in-process: builtins, imports, tracebacks, timeouts, step budgets."""

from __future__ import annotations

import importlib
import pickle
import random
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from rlgpt.code import (
    CodeRejected,
    FunctionSignature,
    Program,
    call_with_limits,
    compile_program,
    extract_program,
)
from rlgpt.code.limits import GRACE_S
from rlgpt.skills import Actuator, ReadOnlySkills, StepBudgetExceeded

HERE = Path(__file__).parent


def load(source: str, name: str = "act"):
    """Extract, compile and return the function ``name`` with its compiled program."""
    compiled = compile_program(extract_program(source, {name: FunctionSignature(("api",))}))
    return compiled.function(name), compiled


@pytest.fixture
def corridor(monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    return importlib.import_module("code_tiny_env")


def corridor_api(corridor, budget=None, read_only=False, **env_kwargs):
    env = corridor.make_corridor(length=5, **env_kwargs)
    obs, info = env.reset(seed=0)
    actuator = Actuator(
        step=None if read_only else env.step, obs=obs, info=info, budget=budget, read_only=read_only
    )
    return corridor.CorridorSkills(actuator), actuator, env


def test_restricted_builtins_and_captured_print(capsys):
    act, compiled = load(
        "import math\nfrom collections import Counter\ndef act(api):\n"
        "    print('counted', Counter('aab')['a'], sep='=')\n    return math.sqrt(16), sorted({3, 1})\n"
    )
    assert call_with_limits(act, None, timeout_s=1) == (4.0, [1, 3])
    assert compiled.output.text == "counted=2\n"
    assert capsys.readouterr().out == ""
    builtins = compiled.namespace["__builtins__"]
    assert not {"open", "eval", "exec", "getattr", "type", "__build_class__", "globals"} & set(builtins)


def test_unknown_builtin_is_a_runtime_error_naming_the_line():
    act, _ = load("def act(api):\n    x = 1\n    return sum_all(x)\n")
    with pytest.raises(CodeRejected) as err:
        call_with_limits(act, None, timeout_s=1)
    assert err.value.reason == "runtime_error"
    assert err.value.line == 3
    assert "NameError" in err.value.message and "sum_all" in err.value.message


def test_runtime_error_traceback_shows_generated_lines_only():
    source = (
        "def helper(values):\n"
        "    return values[10]\n"
        "\n"
        "def act(api):\n"
        "    values = [1, 2, 3]\n"
        "    return helper(values)\n"
    )
    act, _ = load(source)
    with pytest.raises(CodeRejected) as err:
        call_with_limits(act, None, timeout_s=1)
    error = err.value
    assert error.reason == "runtime_error"
    assert error.line == 2
    assert error.message.startswith(
        "line 2 (`return values[10]`), in `helper`: IndexError: list index out of range"
    )
    assert 'File "<coded_action:act>", line 6, in act\n    return helper(values)' in error.message
    assert 'File "<coded_action:act>", line 2, in helper\n    return values[10]' in error.message
    assert "test_sandbox.py" not in error.message and "limits.py" not in error.message


def test_import_outside_the_list_fails_at_run_time_too():
    act, _ = load("def act(api):\n    import math\n    return math.pi\n")
    assert call_with_limits(act, None, timeout_s=1) == pytest.approx(3.14159, abs=1e-4)
    guarded = act.__globals__["__builtins__"]["__import__"]
    with pytest.raises(ImportError, match="only these modules may be imported"):
        guarded("os")


def test_random_is_private_to_the_program_and_deterministic():
    source = (
        "import random\ndef act(api):\n    random.seed(1)\n    return [random.random() for _ in range(3)]\n"
    )
    random.seed(123)
    expected_global = random.random()
    random.seed(123)
    first, _ = load(source)
    values = call_with_limits(first, None, timeout_s=1)
    assert random.random() == expected_global  # the process-wide generator was not touched
    second, _ = load(source)
    assert call_with_limits(second, None, timeout_s=1) == values


def test_infinite_loop_is_stopped_on_the_main_thread_and_the_alarm_is_restored():
    def previous_handler(signum, frame):
        raise AssertionError("the earlier SIGALRM handler must not fire during this test")

    old_timer = signal.getitimer(signal.ITIMER_REAL)
    old = signal.signal(signal.SIGALRM, previous_handler)
    signal.setitimer(signal.ITIMER_REAL, 30.0)
    try:
        act, _ = load("def act(api):\n    while True:\n        pass\n")
        started = time.monotonic()
        with pytest.raises(CodeRejected) as err:
            call_with_limits(act, None, timeout_s=0.3)
        elapsed = time.monotonic() - started
        assert err.value.reason == "timeout"
        assert "wall-clock limit of 0.3 s per call (setting `code.call_timeout_s`)" in err.value.message
        assert 0.25 < elapsed < 2.0
        assert signal.getsignal(signal.SIGALRM) is previous_handler
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25.0 < remaining < 30.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, *old_timer)
        signal.signal(signal.SIGALRM, old)


def test_except_exception_cannot_swallow_the_timeout():
    act, _ = load(
        "def act(api):\n    while True:\n        try:\n            x = 1\n"
        "        except Exception:\n            pass\n"
    )
    with pytest.raises(CodeRejected) as err:
        call_with_limits(act, None, timeout_s=0.2)
    assert err.value.reason == "timeout"


def test_infinite_loop_is_stopped_in_a_worker_thread():
    act, _ = load("def act(api):\n    n = 0\n    while True:\n        n += 1\n")
    outcome: list[BaseException] = []

    def worker():
        try:
            call_with_limits(act, None, timeout_s=0.3)
        except CodeRejected as exc:
            outcome.append(exc)

    thread = threading.Thread(target=worker)
    started = time.monotonic()
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert time.monotonic() - started < 5
    assert [e.reason for e in outcome] == ["timeout"]


def test_nested_limits_report_the_outer_deadline():
    loop, _ = load("def act(api):\n    while True:\n        pass\n")

    def outer():
        return call_with_limits(loop, None, timeout_s=30)

    handler_before = signal.getsignal(signal.SIGALRM)
    timer_before, _ = signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()
    with pytest.raises(CodeRejected) as err:
        call_with_limits(outer, timeout_s=0.3)
    assert time.monotonic() - started < 3
    assert "`outer`" in err.value.message and "0.3 s" in err.value.message
    assert signal.getsignal(signal.SIGALRM) is handler_before
    timer_after, _ = signal.getitimer(signal.ITIMER_REAL)
    assert timer_after == 0.0 if timer_before == 0.0 else timer_before - 3 < timer_after < timer_before


def test_step_budget_passes_through_unchanged_even_past_except_exception(corridor):
    act, _ = load(
        "def act(api):\n    for _ in range(10):\n        try:\n            api.right()\n"
        "        except Exception:\n            return 'swallowed'\n"
    )
    api, actuator, _ = corridor_api(corridor, budget=3)
    with pytest.raises(StepBudgetExceeded):
        call_with_limits(act, api, timeout_s=2)
    assert actuator.steps == 3


def test_the_timeout_waits_for_an_environment_step_in_progress(corridor):
    act, _ = load("def act(api):\n    while True:\n        api.left()\n")
    api, actuator, env = corridor_api(corridor, step_delay_s=0.15, max_steps=1000)
    trace_before = sys.gettrace()
    with pytest.raises(CodeRejected) as err:
        call_with_limits(act, api, timeout_s=0.4)
    assert err.value.reason == "timeout"
    assert not env.in_step
    assert actuator.steps == env.elapsed >= 2
    assert sys.gettrace() is trace_before


def test_a_hung_skill_is_interrupted_after_the_grace_period(corridor):
    act, _ = load("def act(api):\n    api.left()\n")
    api, _, env = corridor_api(corridor, step_delay_s=30)
    started = time.monotonic()
    with pytest.raises(CodeRejected) as err:
        call_with_limits(act, api, timeout_s=0.2)
    assert err.value.reason == "timeout"
    assert 0.2 + GRACE_S <= time.monotonic() - started < 0.2 + GRACE_S + 2
    assert env.in_step  # cut off mid-step: only a hung skill gets this


def test_read_only_code_that_acts_raises_read_only_skills(corridor):
    act, _ = load("def act(api):\n    api.left()\n    return True\n")
    api, _, _ = corridor_api(corridor, read_only=True)
    with pytest.raises(ReadOnlySkills):
        call_with_limits(act, api, timeout_s=2)


def test_a_good_program_walks_the_corridor(corridor):
    act, _ = load(
        "def act(api):\n    while api.position() < 5 and not api.episode_over:\n        api.right()\n"
        "    return api.position()\n"
    )
    api, actuator, _ = corridor_api(corridor, budget=20)
    assert call_with_limits(act, api, timeout_s=2) == 5
    assert (actuator.steps, actuator.reward, actuator.terminated) == (5, 1.0, True)


def test_code_rejected_round_trips_and_validates_its_reason():
    error = CodeRejected("timeout", "too slow", line=4)
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.reason, clone.message, clone.line) == ("timeout", "too slow", 4)
    assert CodeRejected.from_dict(error.to_dict()).to_dict() == error.to_dict()
    with pytest.raises(ValueError, match="unknown rejection reason 'slow'"):
        CodeRejected("slow", "x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("import os\ndef act(api):\n    return 1\n", "forbidden_import"),
        ("print('loaded')\ndef act(api):\n    return 1\n", "forbidden_statement"),
        (
            'X = """```python\nprint(1)\n```"""\nprint(X)\ndef act(api):\n    return 1\n',
            "forbidden_statement",
        ),
    ],
)
def test_compile_program_rechecks_hand_built_programs(source, reason):
    program = Program(source=source, functions=("act",), entry_points=("act",), digest="0" * 64)
    with pytest.raises(CodeRejected) as err:
        compile_program(program)
    assert err.value.reason == reason


def test_compiled_program_names_its_functions():
    _, compiled = load("def helper():\n    return 1\ndef act(api):\n    return helper()\n")
    assert compiled.function("helper")() == 1
    with pytest.raises(KeyError, match="functions: helper, act"):
        compiled.function("missing")
