"""Coded actions (rlgpt's macro wrapper) over the adapter on the stand-in (NOT MineDojo): the skill API's
full MineDojo action vectors travel through the core's wrappers."""

from __future__ import annotations

import pytest
from rlgpt.envs import CodedActions, DoneCondition
from rlgpt_minedojo.actions import ACTIONS
from rlgpt_minedojo.env import make_env
from rlgpt_minedojo.skills import MineDojoSkills

pytestmark = pytest.mark.usefixtures("on_standin")


def chop_tree(api: MineDojoSkills) -> bool:
    """Walk to the nearest tree and attack it until a log drops."""
    return api.approach("wood", distance=2.5) and api.harvest("log", max_steps=10)


def make_planks(api: MineDojoSkills) -> bool:
    """Craft planks from a log."""
    return api.craft("planks")


def test_macros_run_skills_through_the_wrappers() -> None:
    done = DoneCondition(
        make_env(task="craft_crafting_table"),
        lambda api: api.count("planks") >= 4,
        MineDojoSkills,
        max_steps=100,
    )
    env = CodedActions(
        done,
        MineDojoSkills,
        {"chop_tree": chop_tree, "make_planks": make_planks},
        keep_primitives=[ACTIONS.index("forward"), ACTIONS.index("attack")],
        preconditions={"make_planks": lambda api: api.can_craft("planks")},
    )
    env.reset(seed=3)
    assert env.action_space.n == 4 and env.action_masks().tolist() == [True, True, True, False]
    _, _, terminated, _, info = env.step(2)
    assert info["macro"] == "chop_tree" and info["macro_applied"] and info["macro_steps"] > 1
    assert info["inventory"] == {"log": 1} and not terminated
    assert env.action_masks().tolist() == [True, True, True, True]
    _, _, terminated, _, info = env.step(3)
    assert info["macro"] == "make_planks" and info["macro_steps"] == 1 and info["action"] == "craft planks"
    assert terminated and info["is_success"] and info["inventory"] == {"planks": 4}
