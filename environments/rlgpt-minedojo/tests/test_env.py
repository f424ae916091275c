"""The Gymnasium adapter on the stand-in (NOT MineDojo): building, seeds, observations, info, episode ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from rlgpt_minedojo.actions import ACTIONS, craft_vector
from rlgpt_minedojo.describe import describe
from rlgpt_minedojo.env import MineDojoEnv, make_env
from rlgpt_minedojo.observation import SIZE, TRACKED_ITEMS
from rlgpt_minedojo.sim import check_action_space

pytestmark = pytest.mark.usefixtures("on_standin")

Chop = Callable[[MineDojoEnv], tuple[Any, float, bool, bool, dict[str, Any]]]


def test_builds_minedojo_lazily_with_the_first_seed() -> None:
    env = make_env(task="harvest_milk")
    assert env._sim is None and env.reset_mode == "regenerate"
    env.reset(seed=5)
    sim = env._sim
    assert sim.kwargs["seed"] == 5 and sim.kwargs["world_seed"] == "5"
    assert sim.kwargs["target_names"] == "milk_bucket" and sim.kwargs["fast_reset"] is False
    env.close()
    assert env._sim is None and sim.closed


def test_compact_observation_and_info() -> None:
    env = make_env(task="craft_stone_pickaxe")
    obs, info = env.reset(seed=1)
    assert obs.shape == (SIZE,) and obs.dtype == np.float32 and env.observation_space.contains(obs)
    assert info["inventory"] == {"wooden_pickaxe": 1} == info["start_inventory"]
    assert info["mainhand"] == "wooden_pickaxe" and info["slots"][0] == "wooden_pickaxe"
    assert (info["life"], info["food"], info["oxygen"]) == (20.0, 20.0, 300.0)
    assert info["voxels"][1][0][1] == "grass block" and info["voxels_blocking"][1][0][1] is True
    assert set(info["seen"]) == {"wood", "cow", "sheep"}
    assert info["nearby_tools"] == {"table": False, "furnace": False} and info["craftable"] == ()
    assert info["task"] == "craft_stone_pickaxe" and info["is_success"] is False
    assert obs[:4].tolist() == [1.0, 0.0, 1.0, 0.0]  # compass: yaw 0, pitch 0
    inventory_start = 4 + 3 + 27 + 27
    assert obs[inventory_start + TRACKED_ITEMS.index("wooden_pickaxe")] == pytest.approx(1 / 64)


def test_rgb_mode_and_render() -> None:
    env = make_env(task="harvest_log", obs_mode="rgb", render_mode="rgb_array", image_size=(32, 48))
    obs, _ = env.reset(seed=0)
    assert obs.shape == (3, 32, 48) and obs.dtype == np.uint8 and env.observation_space.contains(obs)
    assert env.render().shape == (32, 48, 3)


def test_success_ends_the_episode(attack_until_log: Chop) -> None:
    env = make_env(task="harvest_log")
    _, reward, terminated, truncated, info = attack_until_log(env)
    assert terminated and not truncated and reward == 1.0 == info["minedojo_reward"]
    assert info["is_success"] and info["minedojo_success"] and info["minedojo_done"]
    assert info["inventory"]["log"] == 1 and info["action"] == "forward, attack"


def test_budget_truncates() -> None:
    env = make_env(task="harvest_log", max_episode_steps=3)
    env.reset(seed=0)
    results = [env.step(ACTIONS.index("noop")) for _ in range(3)]
    assert [r[3] for r in results] == [False, False, True] and not any(r[2] for r in results)


def test_full_minedojo_vectors_pass_through() -> None:
    env = make_env(task="obtain_diamond")
    env.reset(seed=2)
    _, _, _, _, info = env.step(craft_vector("planks"))
    assert info["action"] == "craft planks" and "planks" not in info["inventory"]  # no log yet
    assert info["milestones"] == []


def test_milestones_follow_the_chain(attack_until_log: Chop) -> None:
    env = make_env(task="obtain_diamond")
    attack_until_log(env)
    _, _, _, _, info = env.step(craft_vector("planks"))
    _, _, _, _, info = env.step(craft_vector("stick"))
    assert info["milestones"] == ["log", "planks", "stick"]
    assert info["inventory"] == {"planks": 2, "stick": 4}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"task": None}, "MineDojo needs a task"),
        ({"task": "harvest_lgo"}, "MineDojo needs a task"),
        ({"task": "harvest_log", "obs_mode": "pixels"}, "unknown observation mode 'pixels'"),
        ({"task": "harvest_log", "render_mode": "human"}, "unknown render mode"),
        ({"task": "harvest_log", "max_episode_steps": 0}, "max_episode_steps must be a positive integer"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_env(**kwargs)


def test_step_before_reset_and_bad_actions() -> None:
    env = make_env(task="harvest_log")
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(0)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="outside MultiDiscrete"):
        env.step([0, 0, 0, 12, 12, 9, 0, 0])


def test_a_simulator_with_another_action_space_is_refused() -> None:
    class Space:
        nvec = np.array([3, 3, 4, 25, 25, 8, 244])

    with pytest.raises(RuntimeError, match="expected MineDojo's MultiDiscrete"):
        check_action_space(Space())


def test_describe_for_the_critic(attack_until_log: Chop) -> None:
    env = make_env(task="obtain_diamond")
    _, info = env.reset(seed=1)
    x, y, z = info["position"]
    text = describe(None, info)
    assert f"position x {x:.1f} y {y:.1f} z {z:.1f}, yaw 0, pitch 0" in text
    assert "life 20/20, food 20/20, oxygen 300" in text
    assert "main hand: air; inventory: empty" in text
    assert "within reach: no crafting table or furnace" in text
    assert "standing on grass block, at the feet air" in text
    wood = info["seen"]["wood"]
    assert f"seen (nearest first): wood {wood['distance']:.1f} blocks at yaw {wood['yaw']:+.0f}" in text
    assert text.endswith("task obtain_diamond: not done (last action: reset)")
    assert "fast reset" not in text
    _, _, _, _, chopped = attack_until_log(make_env(task="obtain_diamond"))
    assert "milestones reached: log" in describe(None, chopped)
    _, info = env.reset(seed=2)
    text, moved = describe(None, info), info["start_displacement"]
    assert f"world: fast reset, changes of earlier episodes kept, start {moved:.0f} blocks" in text
