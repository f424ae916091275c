"""The car and the tasks: it drives, it steers, walls stop it, and recovering needs reversing."""

import os
import subprocess
import sys

import numpy as np
import pytest
from rlgpt_driving.env import OBS_FIELDS, DrivingEnv
from rlgpt_driving.skills import describe


def run(env, actions):
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            break
    return obs, reward, terminated, truncated, info


def test_full_throttle_drives_forward_at_top_speed():
    env = DrivingEnv("follow_road")
    obs, info = env.reset(seed=0)
    assert obs.shape == (len(OBS_FIELDS),)
    start = info["progress"]
    *_, info = run(env, [[1.0, 0.0]] * 20)
    assert 3.5 < info["speed"] <= 4.1
    assert info["progress"] - start > 5.0


def test_reverse_backs_up_and_steering_turns_left():
    env = DrivingEnv("follow_road")
    _, info = env.reset(seed=1)
    start = info["progress"]
    *_, info = run(env, [[-1.0, 0.0]] * 10)
    assert info["speed"] < -1.0 and info["progress"] < start
    _, info = env.reset(seed=1)
    yaw = info["yaw"]
    *_, info = run(env, [[0.5, 1.0]] * 10)
    assert info["yaw"] - yaw > 0.3


def test_hitting_a_wall_ends_follow_road_as_a_failure():
    env = DrivingEnv("follow_road")
    env.reset(seed=2)
    _, reward, terminated, _, info = run(env, [[1.0, 1.0]] * 60)
    assert terminated and info["left_road"] and info["touching_edge"] and not info["is_success"]
    assert reward < -4.0
    assert "hit the wall" in describe(None, info)


def test_recover_needs_reversing_first():
    env = DrivingEnv("recover")
    _, info = env.reset(seed=0)
    start = abs(info["heading_error"])
    assert start > 1.3 and info["clearance_ahead"] < 0.5
    side = np.sign(info["heading_error"])
    for steer in (-1.0, 1.0):  # forward at full lock either way: pinned against the wall
        _, info = env.reset(seed=0)
        *_, info = run(env, [[1.0, steer]] * 40)
        assert info["touching_edge"] and abs(info["heading_error"]) > 1.2 and info["progress"] < 5.5
    _, info = env.reset(seed=0)
    *_, info = run(env, [[-1.0, side]] * 15)  # back off, swinging the nose towards the road
    assert not info["touching_edge"] and abs(info["heading_error"]) < start - 0.4


def test_frames_render_headless():
    env = DrivingEnv("follow_road", render_mode="rgb_array")
    env.reset(seed=0)
    try:
        frame = env.render()
    finally:
        env.close()
    assert frame.shape == (240, 320, 3) and frame.std() > 10


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(ValueError, match="tasks: follow_road, recover"):
        DrivingEnv("parking")
    with pytest.raises(ValueError, match="symbolic"):
        DrivingEnv("recover", obs_mode="pixels")


def test_frames_render_headless_whatever_is_imported_first():
    """The plugin module imports mujoco before the env module does (as the loop loads it): the headless
    default must already be set, in a fresh process where mujoco has not been imported yet."""
    script = (
        "import os, rlgpt_driving.plugin\n"
        "from rlgpt_driving.env import DrivingEnv\n"
        "env = DrivingEnv('recover', render_mode='rgb_array')\n"
        "env.reset(seed=0)\n"
        "print(os.environ['MUJOCO_GL'], env.render().shape)\n"
        "env.close()\n"
    )
    environ = {k: v for k, v in os.environ.items() if k not in ("MUJOCO_GL", "DISPLAY")}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environ, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("egl (")
