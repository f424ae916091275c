"""The kitchen env: end-effector control, the task's own completion, determinism, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from rlgpt import Actuator
from rlgpt_kitchen import TASKS, KitchenSkills, describe, make_env
from rlgpt_kitchen.control import MAX_STEP_M


def skills_for(env, seed: int = 0) -> KitchenSkills:
    obs, info = env.reset(seed=seed)
    return KitchenSkills(Actuator(env.step, obs, info, budget=env.max_episode_steps))


@pytest.mark.parametrize("offset", [(0.1, 0.0, 0.0), (0.0, 0.1, -0.1), (-0.1, -0.1, 0.1)])
def test_move_ee_to_reaches_targets_within_a_centimetre(kitchen, offset) -> None:
    api = skills_for(kitchen)
    target = np.add(api.ee_position(), offset)
    assert api.move_ee_to(target, tolerance=0.005, max_steps=30)
    assert np.linalg.norm(np.subtract(api.ee_position(), target)) <= 0.005


def test_one_step_moves_at_most_the_step_size(kitchen) -> None:
    _, info = kitchen.reset(seed=1)
    before = np.array(info["ee_pos"])
    _, _, _, _, info = kitchen.step(np.array([1.0, 1.0, 1.0, -1.0], dtype=np.float32))
    moved = np.abs(np.array(info["ee_pos"]) - before)
    assert moved.max() <= MAX_STEP_M * 1.5
    assert moved.max() > MAX_STEP_M * 0.2


def test_move_ee_to_reports_a_blocked_path(kitchen) -> None:
    api = skills_for(kitchen)
    x, y, z = api.site_position("kettle_handle")
    assert not api.move_ee_to((x, y, z - 0.4), max_steps=60)  # through the counter


def test_microwave_opens_by_pulling_its_handle_and_the_env_says_so() -> None:
    env = make_env(task="microwave")
    api = skills_for(env)
    assert api.approach("microwave_handle")
    api.close_gripper(2)
    api.push((0.0, -1.0, 0.0), steps=25, grip=1.0)
    assert "microwave" in api.completed()
    assert api.task_done() and TASKS["microwave"].success(api.info)
    assert api.episode_over  # terminated on success
    assert "task microwave: done" in describe(None, api.info)
    env.close()


def test_seeds_perturb_the_start_and_replay_exactly(kitchen) -> None:
    starts = [kitchen.reset(seed=seed)[1]["ee_pos"] for seed in (0, 1, 0)]
    assert starts[0] == starts[2] and starts[0] != starts[1]


def test_rendered_frame_is_a_small_rgb_image() -> None:
    env = make_env(task="kettle", render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (128, 128, 3) and frame.dtype == np.uint8 and frame.std() > 10
    env.close()


@pytest.mark.parametrize(
    ("kwargs", "fix"),
    [
        ({"task": "toaster"}, "choose one of"),
        ({"obs_mode": "pixels"}, "'state'"),
        ({"max_episode_steps": 0}, "positive integer"),
        ({"render_mode": "human"}, "rgb_array"),
    ],
)
def test_bad_arguments_are_one_line_errors(kwargs, fix) -> None:
    with pytest.raises(ValueError, match=fix):
        make_env(**kwargs)


def test_bad_actions_and_skill_arguments_say_what_is_expected(kitchen) -> None:
    api = skills_for(kitchen)
    with pytest.raises(ValueError, match="4 finite numbers"):
        kitchen.step([0.0, 0.0])
    with pytest.raises(ValueError, match="sites: microwave_handle"):
        api.site_position("toaster")
    with pytest.raises(ValueError, match="three numbers"):
        api.move_ee_to((0.1, 0.2))
    with pytest.raises(ValueError, match="direction is zero"):
        api.push((0, 0, 0))
