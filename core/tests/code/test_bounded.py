"""Per-step read-only functions proven bounded run beside the environment, under the same limits."""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

import numpy as np
import pytest
from rlgpt.code import CodeRejected, compile_program, extract_program
from rlgpt.code.bounded import InlineCall, function_node, memory_window, unbounded_reason
from rlgpt.execution import CodeLimits, PlanRuntime
from rlgpt.llm.transcript import load_transcript
from rlgpt.skills import observer

sys.path.insert(0, str(Path(__file__).parents[1] / "envs"))  # the code's child imports the skill API
from ledger_env import LedgerSkills, ledger_runtime, walk_plan


def reason(source: str, name: str = "done") -> str | None:
    compiled = compile_program(extract_program(source, {}))
    return unbounded_reason(function_node(source, name), compiled.namespace)


BOUNDED = {
    "inventory": "def done(api):\n    return api.inventory().get('wood', 0) >= 1\n",
    "branches": (
        "def done(api):\n    x, y = api.position()\n    if abs(x) + abs(y) < 2:\n        return True\n"
        "    return len(api.nearby('tree')) > 0 and not api.episode_over\n"
    ),
    "one comprehension": "def done(api):\n    return any(d <= 1 for d in api.distances())\n",
    "small constant": "NEED = {'wood': 1}\n\ndef done(api):\n    return api.inventory() == NEED\n",
    "math": "import math\n\ndef done(api):\n    return math.hypot(*api.position()) < math.pi\n",
    "scaled reward": "def reward(api):\n    return -0.1 * api.distance()\n",
}

UNBOUNDED = {
    "C-level loop": "def done(api):\n    return sum(range(10**12)) > 0\n",
    "repetition": "def done(api):\n    return len('x' * 10**10) > 0\n",
    "repetition by an int": "def done(api):\n    return len(api.nearby('tree') * 100000) > 0\n",
    "huge power": "def done(api):\n    return 10 ** 10 ** 8 > 0\n",
    "huge shift": "def done(api):\n    return (1 << 10**9) > 0\n",
    "round of an int": "def done(api):\n    return round(5, -10**7) == 0\n",
    "format padding": "def done(api):\n    return len(f'{0:>999999999}') > 0\n",
    "percent padding": "def done(api):\n    return len('%999999999d' % 1) > 0\n",
    "while": "def done(api):\n    while True:\n        pass\n",
    "for": "def done(api):\n    n = 0\n    for i in api.nearby('tree'):\n        n = n + n\n    return n\n",
    "recursion": "def done(api):\n    return done(api)\n",
    "helper": "def helper(api):\n    return True\n\ndef done(api):\n    return helper(api)\n",
    "product": "def done(api):\n    return len([(a, b) for a in api.cells() for b in api.cells()]) > 0\n",
    "two comprehensions": (
        "def done(api):\n    a = [x for x in api.cells()]\n    b = [y for y in a]\n    return len(b) > 0\n"
    ),
    "doubling": "def done(api):\n    a = list(api.cells())\n" + "    a = a + a\n" * 9 + "    return a\n",
    "lambda": "def done(api):\n    return max(api.cells(), key=lambda c: c) is not None\n",
    "walrus": "def done(api):\n    return (n := len(api.cells())) > 0\n",
    "try": "def done(api):\n    try:\n        return api.ok()\n    except Exception:\n        return False\n",
    "shadowed builtin": "def done(api):\n    len = api.explore\n    return len()\n",
    "api replaced": "def done(api):\n    api = 'x'\n    return len(api.ljust(10**9)) > 0\n",
    "local alias called": "def done(api):\n    f = api.cells\n    return f()\n",
    "unlisted method": "def done(api):\n    return len('x'.zfill(10**9)) > 0\n",
    "module": "import itertools\n\ndef done(api):\n    return next(itertools.count()) > 0\n",
    "math factorial": "import math\n\ndef done(api):\n    return math.factorial(10**6) > 0\n",
    "large constant": "BIG = " + repr(list(range(200))) + "\n\ndef done(api):\n    return len(BIG) > 0\n",
    "default value": "def done(api, n=3):\n    return n > 0\n",
}


@pytest.mark.parametrize("name", BOUNDED)
def test_the_usual_done_conditions_and_rewards_are_proven_bounded(name):
    source = BOUNDED[name]
    assert reason(source, "reward" if "def reward" in source else "done") is None


@pytest.mark.parametrize("name", UNBOUNDED)
def test_every_way_to_run_long_or_build_something_huge_stays_in_the_child(name):
    assert reason(UNBOUNDED[name]) is not None


def test_every_reference_done_condition_of_the_crafter_transcript_is_proven_bounded():
    transcript = Path(__file__).parents[3] / "examples" / "transcripts" / "crafter.jsonl"
    checked = 0
    for entry in load_transcript(transcript):
        answer = entry.response
        if entry.match.get("role") != "coder" or "def done" not in answer:
            continue
        program = extract_program(answer, {})
        compiled = compile_program(program)
        assert unbounded_reason(function_node(program.source, "done"), compiled.namespace) is None
        checked += 1
    assert checked >= 5


def test_arrays_broadcast_past_the_memory_window_fail_as_memory_and_the_limit_comes_back():
    before = resource.getrlimit(resource.RLIMIT_AS)
    source = "def done(api):\n    a = api.obs\n    b = list(zip(a)) + a\n    return len(list(zip(b)) + b)\n"
    assert reason(source) is None  # syntax cannot see shapes: the window catches it
    compiled = compile_program(extract_program(source, {}))
    failures = []
    call = InlineCall(
        compiled.function("done"), timeout_s=10.0, memory_mb=64, on_failure=lambda *a: failures.append(a)
    )
    api = observer(LedgerSkills, np.zeros(2000, dtype=np.float64), {})
    with pytest.raises(CodeRejected) as caught:
        call(api)
    assert caught.value.reason == "memory" and failures[0][0] == "done"
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    small = observer(LedgerSkills, np.zeros(3, dtype=np.float64), {})
    assert call(small) == 3  # the next call works


def test_the_memory_window_restores_the_limit_when_the_block_raises():
    before = resource.getrlimit(resource.RLIMIT_AS)
    with pytest.raises(RuntimeError), memory_window(64):
        assert resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY
        raise RuntimeError("boom")
    assert resource.getrlimit(resource.RLIMIT_AS) == before


PROGRAM = """
def right_twice(api):
    api.right()
    api.right()
    return True


def done(api):
    return api.info["trail"][-1] >= 4


def can_right_twice(api):
    return not api.episode_over


def reward(api):
    total = 0
    for cell in api.info["trail"]:
        total = total + cell
    return 0.01 * total
"""
RL_PLAN = walk_plan("right_twice")


def runtime(inline: bool, failure_log: str = "") -> PlanRuntime:
    limits = CodeLimits(call_timeout_s=10.0, inline_bounded=inline)
    return ledger_runtime(RL_PLAN, {"walk": PROGRAM}, limits, failure_log)


def test_only_proven_functions_run_inline_and_only_when_asked():
    functions = runtime(inline=True).functions(runtime(True).parsed_plan.subtasks[0])
    kinds = {name: isinstance(fn, InlineCall) for name, fn in functions.items()}
    assert kinds == {"right_twice": True, "done": True, "can_right_twice": True, "reward": False}
    hosted = runtime(inline=False).functions(runtime(False).parsed_plan.subtasks[0])
    assert not any(isinstance(fn, InlineCall) for fn in hosted.values())


def rollout(inline: bool) -> list[tuple]:
    env = runtime(inline).training_env(0, default_steps=20)
    env.reset(seed=0)
    steps = []
    for action in (0, 2, 1, 2, 2, 0):
        obs, reward, terminated, truncated, info = env.step(action)
        masks = tuple(env.action_masks())
        steps.append((float(obs[0]), round(reward, 6), terminated, truncated, info["is_success"], masks))
        if terminated or truncated:
            env.reset(seed=0)
    return steps


def test_a_training_env_steps_the_same_with_its_checks_and_actions_inline_or_hosted():
    assert rollout(inline=True) == rollout(inline=False)


def test_a_failing_inline_check_is_logged_with_the_hosted_ones(tmp_path):
    log = tmp_path / "failures.jsonl"
    plan = runtime(True, str(log))
    programs = {"walk": PROGRAM.replace('["trail"]', '["nope"]')}
    broken = PlanRuntime(**{**plan.__getstate__(), "programs": programs})
    done = broken.done_condition(broken.parsed_plan.subtasks[0])
    assert isinstance(done, InlineCall)
    with pytest.raises(CodeRejected):
        done(observer(LedgerSkills, np.zeros(1), {"trail": [0]}))
    entry = json.loads(log.read_text(encoding="utf-8").splitlines()[0])
    assert entry["function"] == "done" and entry["reason"] == "runtime_error"
