"""Rewards over MineDojo's added no-op steps, failed Minecraft steps, death and invalid raw actions,
through the adapter on the stand-in (NOT MineDojo)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from rlgpt_minedojo.actions import ACTIONS, camera_vector, craft_vector, slot_vector
from rlgpt_minedojo.env import MineDojoEnv, make_env

pytestmark = pytest.mark.usefixtures("on_standin")

NOOP = ACTIONS.index("noop")


def test_crafting_the_target_is_rewarded(attack_until_log: Any) -> None:
    env = make_env(task="craft_crafting_table")
    attack_until_log(env)
    _, reward, terminated, _, info = env.step(craft_vector("planks"))
    assert (reward, terminated, info["inventory"]) == (0.0, False, {"planks": 4})
    _, reward, terminated, _, info = env.step(craft_vector("crafting_table"))
    assert info["inventory"] == {"crafting_table": 1} and terminated and info["is_success"]
    assert reward == 1.0 and info["minedojo_reward"] == 0.0  # MineDojo's: its last added no-op step's


def test_a_failed_step_truncates_and_is_counted() -> None:
    env = make_env(task="harvest_log")
    env.reset(seed=1)
    before, _, _, _, _ = env.step(ACTIONS.index("forward"))
    sim = env._sim
    sim.fail_in = 1
    obs, reward, terminated, truncated, info = env.step(ACTIONS.index("forward"))
    assert truncated and not terminated and reward == 0.0
    assert info["simulator_failure"] and info["simulator_failures"] == 1 and info["minedojo_done"]
    assert not info["is_success"] and np.array_equal(obs, before)  # MineDojo repeats the last observation
    _, info = env.reset(seed=2)  # regenerate: MineDojo's reset reconnects the same Minecraft
    assert env._sim is sim and not info["simulator_failure"] and info["simulator_failures"] == 1
    _, _, terminated, truncated, info = env.step(NOOP)
    assert not (terminated or truncated or info["simulator_failure"])


@pytest.mark.parametrize(("inner_step", "inventory"), [(1, {"log": 1}), (2, {"log": 1}), (3, {"planks": 4})])
def test_a_failure_inside_a_craft_truncates(
    inner_step: int, inventory: dict[str, int], attack_until_log: Any
) -> None:
    """A craft is three Minecraft steps: a failure in the first two ends the bridge that the next one
    steps (``RuntimeError`` inside MineDojo; the env keeps its last observation); one in the last
    repeats the observation of the second (the craft made)."""
    env = make_env(task="obtain_diamond")
    attack_until_log(env)
    env._sim.fail_in = inner_step
    _, reward, terminated, truncated, info = env.step(craft_vector("planks"))
    assert truncated and not terminated and info["simulator_failure"] and info["simulator_failures"] == 1
    assert reward == 0.0 and info["inventory"] == inventory
    sim = env._sim
    _, info = env.reset(seed=9)  # fast: MineDojo's fast reset cannot step the ended bridge, so rebuild
    assert env._sim is not sim and sim.closed and not info["fast_reset"] and info["world_seed"] == 3


def walk_into_lava(env: MineDojoEnv) -> tuple[float, bool, bool, dict[str, Any]]:
    """Turn round to the stand-in's lava pool and walk into it."""
    env.step(camera_vector(0, 180))
    for _ in range(60):
        _, reward, terminated, truncated, info = env.step(ACTIONS.index("forward"))
        if terminated or truncated:
            return reward, terminated, truncated, info
        if "lava" in info["seen"]:
            env.step(camera_vector(0, info["seen"]["lava"]["yaw"]))
    raise AssertionError("the lava pool was never reached")


def test_death_ends_the_episode_and_the_next_reset_rebuilds() -> None:
    env = make_env(task="harvest_log", reset_mode="fast")
    env.reset(seed=1)
    sim = env._sim
    _, terminated, truncated, info = walk_into_lava(env)
    assert terminated and not truncated and info["life"] == 0.0
    assert info["minedojo_done"] and not info["simulator_failure"] and not info["is_success"]
    _, info = env.reset(seed=2)
    assert env._sim is not sim and sim.closed and info["life"] == 20.0 and not info["fast_reset"]


def test_empty_slot_actions_become_counted_no_ops() -> None:
    env = make_env(task="harvest_log")
    env.reset(seed=1)
    for count in (1, 2):
        _, _, terminated, truncated, info = env.step(slot_vector("equip", 5))
        assert info["invalid_action"] and info["invalid_actions"] == count
        assert info["action"] == "no_op (invalid: equip slot 5 is empty)" and not (terminated or truncated)
    _, _, _, _, info = env.step(slot_vector("place", 0))
    assert info["action"] == "no_op (invalid: place slot 0 is empty)" and info["invalid_actions"] == 3
    _, _, _, _, info = env.step(NOOP)
    assert not info["invalid_action"] and info["invalid_actions"] == 3
    _, info = env.reset(seed=2)
    assert info["invalid_actions"] == 0
