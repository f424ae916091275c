"""Coded actions proven interruptible run beside the environment, with the code host's guarantees."""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from rlgpt.code import CodeRejected, compile_program, extract_program
from rlgpt.code.bounded import InlineCall, program_functions, uninterruptible_reason
from rlgpt.envs import run_chain
from rlgpt.execution import CodeLimits, is_per_step_function
from rlgpt.llm.transcript import load_transcript
from rlgpt.skills import Actuator, StepBudgetExceeded

sys.path.insert(0, str(Path(__file__).parents[1] / "envs"))  # the code's child imports the skill API
from ledger_env import LedgerEnv, LedgerSkills, ledger_runtime, walk_plan

TRANSCRIPTS = Path(__file__).parents[3] / "examples" / "transcripts"


def reason(source: str, name: str = "act") -> str | None:
    compiled = compile_program(extract_program(source, {}))
    program = program_functions(source)
    return uninterruptible_reason(program[name], compiled.namespace, program)


INTERRUPTIBLE = {
    "bounded loop": (
        "def act(api):\n    for _ in range(40):\n        if api.episode_over:\n            break\n"
        "        api.right()\n    return True\n"
    ),
    "while with a counter": (
        "def act(api):\n    steps = 0\n    while steps < 10 and not api.episode_over:\n        api.right()\n"
        "        steps += 1\n    return steps > 0\n"
    ),
    "comprehensions": (
        "def act(api):\n    cells = [c for c in api.info['trail'] if c > 0]\n"
        "    near = {c: c + 1 for c in cells}\n    return len(near) > 0 and sum(cells) // 2 > 0\n"
    ),
    "helpers": (
        "def step_right(api, times=2):\n    for _ in range(times):\n        api.right()\n\n"
        "def twice(api):\n    step_right(api)\n    step_right(api, 1)\n\n"
        "def act(api):\n    twice(api)\n    step_right(api, times=3)\n    return True\n"
    ),
    "scaled and rounded": (
        "def act(api):\n    x = api.obs[0] * 2\n    return round(x, 3) + round(x) + [0] * 3\n"
    ),
    "remainder": "def act(api):\n    for i in range(8):\n        if i % 4 == 0:\n            api.right()\n",
    # the timer stops the first, the memory window the second
    "endless loop": "def act(api):\n    while True:\n        pass\n",
    "doubling loop": "def act(api):\n    a = [1]\n    while True:\n        a = a + a\n",
}

UNINTERRUPTIBLE = {
    "sum of a range": (
        "def act(api):\n    n = 1\n    for _ in range(60):\n        n = n + n\n    return sum(range(n))\n"
    ),
    "range kept for later": "def act(api):\n    r = range(10)\n    return max(r)\n",
    "range in a call": "def act(api):\n    return list(enumerate(range(10)))\n",
    "sorted": (
        "def act(api):\n    a = [3, 1]\n    for _ in range(30):\n        a = a + a\n    return sorted(a)\n"
    ),
    "set of a list": "def act(api):\n    return len(set(api.info['trail']))\n",
    "dict of pairs": "def act(api):\n    return dict([(1, 2)])\n",
    "divmod": "def act(api):\n    return divmod(api.info['trail'][-1], 2)\n",
    "floor division by a value": "def act(api):\n    x = 7\n    return x // api.info['trail'][-1]\n",
    "sum with a start": "def act(api):\n    return sum([[1], [2]], [])\n",
    "try swallows the timeout": (
        "def act(api):\n    while True:\n        try:\n            pass\n        except Exception:\n"
        "            pass\n"
    ),
    "augmented list": "def act(api):\n    a = api.info['trail']\n    a += [5]\n    return a\n",
    "augmented multiply": "def act(api):\n    n = 1\n    n *= 2\n    return n\n",
    "augmented by a value": "def act(api):\n    n = 1\n    n += api.info['trail'][-1]\n    return n\n",
    "loop into a subscript": (
        "def act(api):\n    a = [0]\n    for a[0] in range(3):\n        pass\n    return a\n"
    ),
    "repetition": "def act(api):\n    return len('x' * 10**10)\n",
    "recursion": "def act(api):\n    return act(api)\n",
    "recursion through helpers": (
        "def ping(api):\n    return pong(api)\n\ndef pong(api):\n    return ping(api)\n\n"
        "def act(api):\n    return ping(api)\n"
    ),
    "helper given something else": (
        "def helper(api):\n    return api.sort()\n\ndef act(api):\n    return helper([2, 1])\n"
    ),
    "helper passed along": (
        "def helper(api):\n    return 1\n\ndef act(api):\n    f = helper\n    return f(api)\n"
    ),
    "unproven helper": (
        "def helper(api):\n    return sorted(api.info['trail'])\n\ndef act(api):\n    return helper(api)\n"
    ),
    "percent padding": "def act(api):\n    f = '%99999999' + 'd'\n    return len(f % 1)\n",
    "percent padding from the module": "F = '%99999999d'\n\ndef act(api):\n    return len(F % 1)\n",
    "multiply by a huge literal": (
        "def act(api):\n    x = 3\n    while True:\n        x = x * " + "9" * 4000 + "\n"
    ),
    "percent padding from a module list": "F = ['%99999999d']\n\ndef act(api):\n    return len(F[0] % 1)\n",
    "remainder by a value": "def act(api):\n    return 7 % api.obs[0]\n",
    "mutable default": "def act(api, n=[0, 0]):\n    return n\n",
    "round to many digits": "def act(api):\n    return round(5, -10000000)\n",
    "multiply by a value": "def act(api):\n    n = api.info['trail']\n    return n * api.obs[0]\n",
    "lambda": "def act(api):\n    f = lambda: 1\n    return f()\n",
    "shadowed range": "def act(api):\n    range = api.right\n    for _ in range(3):\n        pass\n",
    "module": "import random\n\ndef act(api):\n    return random.random()\n",
}


@pytest.mark.parametrize("name", INTERRUPTIBLE)
def test_python_level_loops_over_the_skill_api_are_proven_interruptible(name):
    assert reason(INTERRUPTIBLE[name]) is None


@pytest.mark.parametrize("name", UNINTERRUPTIBLE)
def test_every_single_c_call_that_could_run_long_keeps_the_action_in_the_child(name):
    assert reason(UNINTERRUPTIBLE[name]) is not None


def test_the_reference_coded_actions_of_crafter_are_mostly_proven_interruptible():
    proven, total = set(), 0
    for entry in load_transcript(TRANSCRIPTS / "crafter.jsonl"):
        if entry.match.get("role") != "coder" or "def " not in entry.response:
            continue
        program = extract_program(entry.response, {})
        compiled = compile_program(program)
        for name in program.functions:
            if is_per_step_function(name):
                continue
            total += 1
            functions = program_functions(program.source)
            if uninterruptible_reason(functions[name], compiled.namespace, functions) is None:
                proven.add(name)
    # the wood-pickaxe plan's RL actions all run inline; what stays hosted calls `append` or `keep_alive`
    assert {"chop_nearest_tree", "look_for_tree", "mine_nearest_stone", "look_for_stone"} <= proven
    assert total >= 20 and len(proven) >= 10


def action(source: str, **kwargs) -> InlineCall:
    compiled = compile_program(extract_program(source, {}))
    return InlineCall(compiled.function("act"), acts=True, **{"timeout_s": 1.0, "memory_mb": 64, **kwargs})


def ledger_api(budget: int = 100, step=None) -> tuple[LedgerEnv, LedgerSkills, Actuator]:
    env = LedgerEnv()
    obs, info = env.reset(seed=0)
    actuator = Actuator(step=step or env.step, obs=obs, info=info, budget=budget)
    return env, LedgerSkills(actuator), actuator


def test_an_endless_inline_action_times_out_and_is_disabled_after_three_like_a_hosted_one():
    call, failures = None, []
    call = action(INTERRUPTIBLE["endless loop"], on_failure=lambda *a: failures.append(a))
    for _ in range(3):
        started = time.monotonic()
        with pytest.raises(CodeRejected) as caught:
            call(ledger_api()[1])
        assert caught.value.reason == "timeout" and time.monotonic() - started < 5.0
    started = time.monotonic()
    with pytest.raises(CodeRejected, match="disabled after 3 failures"):
        call(ledger_api()[1])
    assert time.monotonic() - started < 0.5 and [f[0] for f in failures] == ["act"] * 3


def test_a_memory_bomb_in_an_inline_action_fails_as_memory_and_the_limit_comes_back():
    before = resource.getrlimit(resource.RLIMIT_AS)
    with pytest.raises(CodeRejected) as caught:
        action(INTERRUPTIBLE["doubling loop"], timeout_s=10.0)(ledger_api()[1])
    assert caught.value.reason == "memory"
    assert resource.getrlimit(resource.RLIMIT_AS) == before


def test_an_environment_step_may_allocate_past_the_window_without_failing_the_code():
    env = LedgerEnv()

    def allocating_step(action):
        scratch = np.ones(32 * 2**20)  # 256 MB, four times the code's window
        return (*env.step(action)[:4], {**env._info(), "scratch": float(scratch[0])})

    _, api, actuator = ledger_api(step=allocating_step)
    env.reset(seed=0)
    source = "def act(api):\n    for _ in range(3):\n        api.right()\n    return True\n"
    assert action(source, timeout_s=10.0)(api) is True
    assert actuator.steps == 3 and env.trail == [0, 1, 2, 3]


def test_an_inline_action_steps_with_the_actions_the_host_would_pass_and_its_budget():
    env, api, _ = ledger_api()
    with pytest.raises(CodeRejected, match="must be a number") as caught:
        action("def act(api):\n    api.act({'left': 1})\n", timeout_s=10.0)(api)
    assert caught.value.reason == "runtime_error" and env.trail == [0]
    walker = action("def act(api):\n    while True:\n        api.right()\n", timeout_s=10.0)
    with pytest.raises(StepBudgetExceeded):
        walker(ledger_api(budget=4)[1])


def test_an_inline_action_returns_what_the_host_returns():
    _, api, _ = ledger_api()
    assert action("def act(api):\n    return api.obs[0] > 3\n")(api) is False  # numpy's bool, as plain data
    listed = action("def act(api):\n    return [1, 2]\n")(api)
    assert bool(listed) and repr(listed) == "[1, 2]" and not isinstance(listed, list)


def test_an_inline_action_cannot_write_to_what_the_environment_shows_it():
    env, api, _ = ledger_api()
    source = "def act(api):\n    api.right()\n    view = api.obs\n    view += 5\n    return True\n"
    assert reason(source) is None
    with pytest.raises(CodeRejected, match="read-only"):
        action(source, timeout_s=10.0)(api)
    assert env.buffer[0] == env.position == 1 and env.trail == [0, 1]


PROGRAM = """
def right_twice(api):
    for _ in range(2):
        api.right()
    return True


def right_until(api):
    while not api.episode_over:
        api.right()
    return sorted(api.info["trail"]) != []


def done(api):
    return api.info["trail"][-1] >= 4
"""
RL_PLAN = walk_plan("right_twice", "right_until")


def test_proven_actions_run_inline_and_the_rest_in_the_child_only_when_asked():
    for inline in (True, False):
        limits = CodeLimits(call_timeout_s=10.0, inline_bounded=inline)
        plan = ledger_runtime(RL_PLAN, {"walk": PROGRAM}, limits)
        functions = plan.coded_actions(plan.parsed_plan.subtasks[0])
        kinds = {name: isinstance(fn, InlineCall) for name, fn in functions.items()}
        assert kinds == {"right_twice": inline, "right_until": False}


CODE_PROGRAM = """
def walk(api):
    for _ in range(2):
        if api.episode_over:
            break
        api.right()
    return True


def done(api):
    return api.info["trail"][-1] >= 3
"""
CODE_PLAN = {
    "subtasks": [{"name": "walk", "description": "Walk.", "method": "code", "done_condition": "cell 3"}]
}


def test_a_code_sub_task_plays_the_same_with_its_program_inline_or_hosted():
    outcomes = []
    for inline in (True, False):
        plan = ledger_runtime(CODE_PLAN, {"walk": CODE_PROGRAM}, CodeLimits(inline_bounded=inline))
        assert isinstance(plan.functions(plan.parsed_plan.subtasks[0])["walk"], InlineCall) is inline
        env = plan.make_env()
        obs, info = env.reset(seed=0)
        chain = run_chain(env, [plan.policy(0, default_steps=10, predictors={})], obs, info)
        outcome = chain.outcomes[0]
        outcomes.append((outcome.reached, outcome.stop, outcome.steps, list(env.trail), chain.terminated))
    assert outcomes[0] == outcomes[1] and outcomes[0][0] and outcomes[0][3] == [0, 1, 2, 3, 4]
