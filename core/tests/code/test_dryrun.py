"""Dry runs in a child process: results, CPU/memory/wall-clock limits, and failure mapping."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest
from rlgpt.code import DryRunSpec, dry_run

HERE = str(Path(__file__).parent)

WALK = """
def walk(api):
    while api.position() < 5 and not api.episode_over:
        api.right()
    return api.position()
"""


def spec(source: str, function: str = "walk", **overrides) -> DryRunSpec:
    """A spec over the corridor with short limits."""
    options = {
        "env_entry_point": "code_tiny_env:make_corridor",
        "skill_api": "code_tiny_env:CorridorSkills",
        "source": source,
        "function": function,
        "call_timeout_s": 2.0,
        "cpu_s": 5.0,
        "memory_mb": 256,
        "wall_s": 30.0,
        "extra_sys_path": (HERE,),
    }
    return DryRunSpec(**{**options, **overrides})


def test_a_good_program_reports_steps_reward_and_return_value():
    result = dry_run(spec(WALK + "\n\ndef unused(api):\n    print('never')\n", step_budget=20))
    assert result.error is None and result.ok
    assert (result.steps, result.reward, result.terminated) == (5, 1.0, True)
    assert result.return_value == "5"
    assert 0 < result.wall_s < 30


def test_episodes_and_warmup_actions_add_up():
    result = dry_run(spec(WALK, episodes=2, warmup_actions=(1, 1)))
    assert result.ok, result.error
    assert (result.steps, result.reward) == (6, 2.0)


def test_extra_call_arguments_follow_the_skill_api():
    source = (
        "def walk(api, params):\n    for _ in range(params[0]):\n        api.right()\n    return params\n"
    )
    result = dry_run(spec(source, call_args=((2, 0.5),)))
    assert result.ok, result.error
    assert (result.steps, result.return_value) == (2, "(2, 0.5)")


def test_infinite_loop_is_stopped_by_the_call_timeout():
    result = dry_run(spec("def walk(api):\n    while True:\n        pass\n", call_timeout_s=0.5))
    assert not result.ok
    assert result.error.reason == "timeout"
    assert "0.5 s" in result.error.message
    assert result.wall_s < 20


def test_a_long_c_level_computation_is_stopped_by_the_cpu_limit():
    source = "def walk(api):\n    return sum(range(10**13))\n"
    result = dry_run(spec(source, call_timeout_s=60, cpu_s=1, wall_s=60))
    assert not result.ok
    assert result.error.reason == "timeout"
    assert "CPU time" in result.error.message


@pytest.mark.parametrize(
    "body",
    [
        "    x = [0] * 10**10\n    return len(x)\n",
        "    chunks = []\n    while True:\n        chunks.append([0] * 10**6)\n",
    ],
    ids=["one-huge-list", "growing-list"],
)
def test_memory_bombs_are_stopped_by_the_memory_limit_without_hurting_the_parent(body):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = dry_run(spec(f"def walk(api):\n{body}", memory_mb=200, call_timeout_s=20))
    assert not result.ok
    assert result.error.reason == "memory", result.error
    assert "memory" in result.error.message
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB


def test_exceeding_the_step_budget_is_reported():
    source = "def walk(api):\n    for _ in range(10):\n        api.left()\n"
    result = dry_run(spec(source, step_budget=3))
    assert not result.ok
    assert result.error.reason == "step_budget"
    assert "3 primitive steps" in result.error.message
    assert result.steps == 3


def test_a_runtime_error_names_the_generated_line():
    source = "def walk(api):\n    api.right()\n    target = {'tree': 3}['stone']\n    return target\n"
    result = dry_run(spec(source))
    assert result.error.reason == "runtime_error"
    assert result.error.line == 3
    assert "KeyError: 'stone'" in result.error.message
    assert "line 3 (`target = {'tree': 3}['stone']`)" in result.error.message
    assert result.steps == 1


def test_policy_violations_are_reported_before_anything_runs():
    result = dry_run(spec("import os\ndef walk(api):\n    return os.getcwd()\n"))
    assert (result.error.reason, result.error.line) == ("forbidden_import", 1)
    assert result.steps == 0


def test_predicates_must_only_observe_and_return_a_bool():
    ok = dry_run(spec("def done(api):\n    return api.position() >= 5\n", "done", kind="predicate"))
    assert ok.ok and ok.return_value == "False" and ok.steps == 0
    acting = dry_run(spec("def done(api):\n    api.right()\n    return True\n", "done", kind="predicate"))
    assert acting.error.reason == "runtime_error" and "may only observe" in acting.error.message
    wrong = dry_run(spec("def done(api):\n    return api.position()\n", "done", kind="predicate"))
    assert wrong.error.reason == "runtime_error" and "must return True or False" in wrong.error.message


def test_a_hung_environment_is_killed_at_the_wall_clock_limit():
    result = dry_run(spec(WALK, env_kwargs={"reset_delay_s": 60}, wall_s=3))
    assert result.error.reason == "timeout"
    assert "wall-clock limit of 3 s" in result.error.message
    assert result.wall_s < 15


def test_a_child_that_dies_is_reported_as_crashed():
    result = dry_run(spec(WALK, env_kwargs={"abort_on_reset": True}))
    assert result.error.reason == "crashed"
    assert "SIGABRT" in result.error.message


def test_environment_set_up_failure_is_a_clear_crash():
    result = dry_run(spec(WALK, env_entry_point="code_tiny_env:no_such_factory"))
    assert result.error.reason == "crashed"
    assert "no_such_factory" in result.error.message


def test_the_function_must_exist():
    result = dry_run(spec(WALK, function="chop"))
    assert result.error.reason == "missing_function"
    assert "`chop`" in result.error.message and "walk" in result.error.message


def test_bad_specs_are_refused_up_front():
    with pytest.raises(ValueError, match="kind must be 'action' or 'predicate'"):
        spec(WALK, kind="reward")
    with pytest.raises(ValueError, match=r"DryRunSpec\.wall_s must be positive"):
        spec(WALK, wall_s=0)
