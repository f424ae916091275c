"""Generated code runs in a supervised child: C-level loops and memory hogs are stopped, counted, survived."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
from rlgpt.code import CodeRejected
from rlgpt.code.host import CodeHost, HostLimits
from rlgpt.config import CodeConfig
from rlgpt.envs import CodedActions
from rlgpt.execution import CodeLimits
from rlgpt.skills import Actuator, StepBudgetExceeded

sys.path.insert(0, str(Path(__file__).parent))  # the child imports the skill API from here too
from code_tiny_env import Corridor, CorridorSkills

SKILLS = "code_tiny_env:CorridorSkills"

HANGS_ON_SECOND_CALL = """
def chop_nearest_tree(api, calls=[0]):
    calls[0] += 1
    if calls[0] % 2 == 1:
        api.right()
        return True
    return sum(range(10**12))
"""


def call(host: CodeHost, name: str, env: Corridor, budget: int = 10):
    obs, info = env.reset()
    actuator = Actuator(step=env.step, obs=obs, info=info, budget=budget)
    return host.call(name, CorridorSkills(actuator)), actuator


def test_a_c_level_loop_on_a_later_call_is_a_timeout_and_the_next_call_works():
    host = CodeHost(HANGS_ON_SECOND_CALL, SKILLS, HostLimits(timeout_s=0.5, grace_s=0.5))
    env = Corridor()
    assert call(host, "chop_nearest_tree", env)[0] is True
    started = time.monotonic()
    with pytest.raises(CodeRejected) as caught:
        call(host, "chop_nearest_tree", env)
    assert caught.value.reason == "timeout" and "chop_nearest_tree" in caught.value.message
    assert time.monotonic() - started < 3.0
    result, actuator = call(host, "chop_nearest_tree", env)  # a fresh child: the program's state starts over
    assert result is True and actuator.steps == 1
    host.close()


def test_every_default_call_limit_leaves_a_busy_machine_room():
    assert HostLimits().timeout_s == CodeLimits().call_timeout_s == CodeConfig().call_timeout_s == 10.0


def test_a_function_that_keeps_failing_is_disabled_so_training_cannot_stall():
    host = CodeHost(
        "def spin(api):\n    return sum(range(10**12))\n", SKILLS, HostLimits(timeout_s=0.3, grace_s=0.2)
    )
    env = Corridor()
    for _ in range(3):
        with pytest.raises(
            CodeRejected, match=r"wall-clock limit of 0.3 s per call \(setting `code.call_timeout_s`\)"
        ):
            call(host, "spin", env)
    started = time.monotonic()
    with pytest.raises(CodeRejected, match="disabled after 3 failures") as caught:
        call(host, "spin", env)
    assert caught.value.reason == "timeout" and time.monotonic() - started < 0.1
    assert host.failures["spin"] == 3


def test_memory_is_limited_per_call_and_the_child_survives():
    source = (
        "def hog(api):\n    chunks = []\n    while True:\n        chunks.append('x' * 10**7)\n\n"
        "def fine(api):\n    api.right()\n    return 1\n"
    )
    host = CodeHost(source, SKILLS, HostLimits(timeout_s=20, memory_mb=200))
    env = Corridor()
    with pytest.raises(CodeRejected) as caught:
        call(host, "hog", env)
    assert caught.value.reason == "memory"
    assert call(host, "fine", env)[0] == 1


def test_steps_budget_and_errors_cross_the_process_boundary():
    source = (
        "def walk(api):\n    while True:\n        api.right()\n\n"
        "def broken(api):\n    api.right()\n    return {}['wood']\n"
    )
    host = CodeHost(source, SKILLS, HostLimits(timeout_s=5))
    env = Corridor(length=50)
    with pytest.raises(StepBudgetExceeded):
        call(host, "walk", env, budget=4)
    with pytest.raises(CodeRejected) as caught:
        call(host, "broken", env)
    assert caught.value.reason == "runtime_error" and "KeyError" in caught.value.message
    assert "line 7" in caught.value.message


def test_a_macro_that_hangs_in_training_is_a_named_failure_and_the_episode_goes_on():
    host = CodeHost(HANGS_ON_SECOND_CALL, SKILLS, HostLimits(timeout_s=0.3, grace_s=0.2))
    env = CodedActions(
        Corridor(length=50), CorridorSkills, {"chop_nearest_tree": host.function("chop_nearest_tree")}
    )
    env.reset(seed=0)
    macro = 2  # after the two primitives
    _, _, _, _, info = env.step(macro)
    assert info["macro_applied"] and "macro_error" not in info
    _, _, terminated, truncated, info = env.step(macro)
    assert not info["macro_applied"] and "chop_nearest_tree" in info["macro_error"]
    assert "wall-clock limit" in info["macro_error"] and not (terminated or truncated)
    _, _, _, _, info = env.step(1)  # a primitive still works
    assert info["macro"] is None


def test_info_entries_that_cannot_be_pickled_are_left_out():
    host = CodeHost("def keys(api):\n    return len(api.info)\n", SKILLS, HostLimits(timeout_s=5))
    actuator = Actuator(step=None, obs=0, info={"position": 0, "handle": lambda: None}, read_only=True)
    assert host.call("keys", CorridorSkills(actuator)) == 1


def test_a_skill_api_the_child_cannot_import_is_a_crash_that_says_so():
    host = CodeHost("def f(api):\n    return 1\n", "no_such_module:Skills", HostLimits(timeout_s=5))
    actuator = Actuator(step=None, obs=0, info={}, read_only=True)
    with pytest.raises(CodeRejected) as caught:
        host.call("f", CorridorSkills(actuator))
    assert caught.value.reason == "crashed" and "could not load the program" in caught.value.message
    assert "no_such_module" in caught.value.message


def test_odd_return_values_come_back_as_truth_and_text_or_a_named_error():
    source = (
        "def big(api):\n    return 10 ** 5000\n\n"
        "def many(api):\n    return api.obs > -1\n\n"
        "def nested(api):\n    x = []\n    for _ in range(10000):\n        x = [x]\n    return x\n"
    )
    host = CodeHost(source, SKILLS, HostLimits(timeout_s=5))

    def call_with(name):
        return host.call(name, CorridorSkills(Actuator(step=None, obs=np.zeros(3), info={}, read_only=True)))

    assert bool(call_with("big")) and "too large" in repr(call_with("big"))
    assert bool(call_with("nested")) and len(repr(call_with("nested"))) < 300
    with pytest.raises(CodeRejected, match="`many` returned a value that is neither true nor false"):
        call_with("many")
