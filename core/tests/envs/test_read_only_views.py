"""Generated code cannot forge success: whatever it writes, the environment and the verdict stay true.

The ledger env's ``info`` holds the environment's own live dicts, list and observation buffer, so
any write that got through would change the environment itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from rlgpt.code import CodeRejected, compile_program, extract_program
from rlgpt.envs import run_chain
from rlgpt.execution import CodeLimits, PlanRuntime, signatures
from rlgpt.skills import Actuator, read_only_view

sys.path.insert(0, str(Path(__file__).parent))  # the code's child process imports the skill API from here
from ledger_env import LedgerEnv, LedgerSkills, ledger_runtime, solved

FORGE = """
def attempt(api, how):
    try:
        how(api)
    except Exception:
        return 0
    return 1


def forge(api):
    writes = [
        lambda a: a.info["achievements"].update(reach_end=1),
        lambda a: a.info["inventory"].update(coins=99),
        lambda a: a.inventory().update(coins=99),
        lambda a: a.info["trail"].append(5),
        lambda a: a.info["trail"].extend([5, 5]),
        lambda a: a.obs.fill(5.0),
        lambda a: a.obs.setflags(write=True),
        lambda a: a.obs.base.setflags(write=True),
        lambda a: a.obs.base.fill(5.0),
        lambda a: a.act(1)[4]["achievements"].update(reach_end=1),
        lambda a: a.act(1)[0].fill(5.0),
    ]
    return sum(attempt(api, write) for write in writes)


def right_and_forge(api):
    api.right()
    return forge(api)


def done(api):
    forge(api)
    return False
"""


CODE_SUBTASK = {"name": "right_and_forge", "description": "Forge.", "method": "code", "done_condition": "no"}
RL_SUBTASK = {
    "name": "learn",
    "description": "Learn to forge.",
    "method": "rl",
    "done_condition": "never",
    "coded_actions": [{"name": "right_and_forge", "description": "step right, then forge"}],
}


def forged_plan_runtime(isolation: str) -> PlanRuntime:
    plan = {"subtasks": [CODE_SUBTASK, RL_SUBTASK]}
    programs = {"right_and_forge": FORGE, "learn": FORGE}
    return ledger_runtime(plan, programs, CodeLimits(call_timeout_s=10.0, isolation=isolation))


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_code_that_writes_everywhere_it_reaches_changes_neither_the_env_nor_success(isolation):
    runtime = forged_plan_runtime(isolation)
    env = runtime.make_env()
    obs, info = env.reset(seed=0)
    chain = run_chain(env, [runtime.policy(0, default_steps=3, predictors={})], obs, info)
    assert chain.outcomes[0].stop == "step_limit" and "ReadOnlySkills" in str(chain.outcomes[0].error)
    assert not solved(chain.info) and env.achievements == {"reach_end": 0}
    assert env.inventory == {"coins": 0} and env.trail == [0, 1, 2, 3]
    assert env.buffer[0] == env.position == 3 and chain.obs[0] == 3.0


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_a_coded_action_that_writes_everywhere_cannot_forge_success_either(isolation):
    runtime = forged_plan_runtime(isolation)
    env = runtime.make_env()
    view = runtime.view(runtime.parsed_plan.subtasks[1], env)
    view.reset(seed=0)
    *_, info = view.step(len(view.kept_primitives))  # the coded action
    assert info["macro"] == "right_and_forge" and info["macro_steps"] == 3
    assert not solved(info) and env.achievements == {"reach_end": 0} and env.trail == [0, 1, 2, 3]


def test_the_forging_writes_are_each_refused_where_the_code_runs():
    compiled = compile_program(extract_program(FORGE, signatures({"forge": ("api",)})))
    env = LedgerEnv()
    obs, info = env.reset(seed=0)
    api = LedgerSkills(Actuator(step=env.step, obs=obs, info=info, budget=10))
    assert compiled.function("forge")(api) == 0  # every one of the eleven writes raised
    assert env.achievements == {"reach_end": 0} and env.trail == [0, 1, 2]  # only the two real steps
    assert env.inventory == {"coins": 0} and env.buffer[0] == 2.0


def test_assigning_attributes_on_the_api_is_refused_before_the_code_runs():
    for body in ("api.info = {'achievements': {'reach_end': 1}}", "api.obs.flags.writeable = True"):
        with pytest.raises(CodeRejected, match="changing the attribute"):
            compile_program(extract_program(f"def act(api):\n    {body}\n", signatures({"act": ("api",)})))


def test_a_read_only_view_is_a_deep_copy_at_every_level():
    live = {"a": {"b": [1, {"c": np.zeros(2)}]}, "s": {1, 2}, "t": (np.ones(1),)}
    view = read_only_view(live)
    assert view["a"]["b"][1]["c"] is not live["a"]["b"][1]["c"] and not view["t"][0].flags.writeable
    assert isinstance(view["a"]["b"], tuple) and view["s"] == frozenset({1, 2})
    with pytest.raises(TypeError):
        view["a"]["x"] = 1
    live["a"]["b"][1]["c"][0] = 7.0
    assert view["a"]["b"][1]["c"][0] == 0.0
