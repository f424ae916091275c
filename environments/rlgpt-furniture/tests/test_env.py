"""The arm, the legs and the sockets: grasping holds a leg, a socket admits an aligned leg and its rim
stops a misaligned one, and start poses and estimates change per seed."""

import numpy as np
import pytest
from rlgpt import Actuator
from rlgpt_furniture.env import OBS_FIELDS, FurnitureEnv
from rlgpt_furniture.model import CLEARANCE
from rlgpt_furniture.skills import FurnitureSkills, describe


def arm(task="insert_one_leg", seed=0):
    env = FurnitureEnv(task)
    obs, info = env.reset(seed=seed)
    return env, FurnitureSkills(Actuator(env.step, obs, info))


def test_reset_randomises_legs_and_socket_estimates_per_seed():
    env = FurnitureEnv("assemble_table")
    _, first = env.reset(seed=1)
    _, again = env.reset(seed=1)
    obs, other = env.reset(seed=2)
    assert obs.shape == (len(OBS_FIELDS),)
    assert (
        first["leg_bottoms"] == again["leg_bottoms"]
        and first["socket_estimates"] == again["socket_estimates"]
    )
    assert (
        first["leg_bottoms"] != other["leg_bottoms"]
        and first["socket_estimates"] != other["socket_estimates"]
    )
    assert len(first["leg_bottoms"]) == 4 and first["n_seated"] == 0 and not first["is_success"]
    assert max(first["leg_tilts"]) < 0.01  # legs start upright


def test_grasp_lifts_the_leg_upright():
    _, api = arm(seed=3)
    assert api.grasp(0) and api.holding() == 0
    assert api.lift(0.25)
    assert api.leg_bottom(0)[2] > 0.1 and api.leg_tilt(0) < 0.03
    api.release()
    assert api.holding() == -1


@pytest.mark.parametrize("offset, seated", [(0.0, True), (0.006, False)])
def test_socket_admits_an_aligned_leg_and_its_rim_stops_a_misaligned_one(offset, seated):
    env, api = arm(seed=0)
    api.grasp(0)
    api.lift(0.15)
    socket = api.nearest_free_socket()
    env._estimates[socket, :2] = env._true_sockets()[socket, :2] + (offset, 0.0)  # ground truth, for the test
    api.step()  # the next info reports the moved estimate
    assert api.align(socket)
    assert api.insert() is seated
    assert api.info["is_success"] is seated
    if not seated:
        assert api.contact_force() > 1.0 and api.leg_bottom(0)[2] > 0.045  # resting on the rim
        assert api.contact_offset()[0] > 0.0  # touching on the +x side, where the rim is
        assert "pressing on the tabletop" in describe(None, api.info)
    else:
        assert "assembled" in describe(None, api.info)


def test_estimates_are_off_by_more_than_the_clearance_in_most_episodes():
    errors = []
    for seed in range(20):
        env = FurnitureEnv("insert_one_leg")
        env.reset(seed=seed)
        errors.append(np.abs(env._estimates[:, :2] - env._true_sockets()[:, :2]).max(axis=1))
    assert np.mean(np.concatenate(errors) > CLEARANCE) > 0.5


def test_frames_render_headless():
    env = FurnitureEnv("assemble_table", render_mode="rgb_array")
    env.reset(seed=0)
    try:
        frame = env.render()
    finally:
        env.close()
    assert frame.shape == (240, 320, 3) and frame.std() > 10


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(ValueError, match="tasks: insert_one_leg, assemble_table"):
        FurnitureEnv("build_chair")
    with pytest.raises(ValueError, match="symbolic"):
        FurnitureEnv(obs_mode="pixels")
