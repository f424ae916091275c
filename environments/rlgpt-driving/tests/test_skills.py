"""The skill API over a real episode, and the reference transcript's programs on the real car."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from rlgpt import Actuator
from rlgpt_driving.env import make_env
from rlgpt_driving.skills import DrivingSkills

TRANSCRIPT = Path(__file__).resolve().parents[3] / "examples" / "transcripts" / "driving.jsonl"


def skills(task, seed, budget=None):
    env = make_env(task=task)
    obs, info = env.reset(seed=seed)
    return DrivingSkills(Actuator(env.step, obs, info, budget=budget))


def test_readings_follow_the_info_and_drive_stops_at_the_episode_end():
    car = skills("follow_road", 0)
    assert car.curvature_ahead(5.0) == car.info["curvature_ahead"][1]
    assert car.curvature_ahead(0.0) == car.info["curvature_ahead"][0]
    assert car.road_half_width() == 2.0 and car.distance_to_goal() == pytest.approx(48.0 - car.progress())
    assert car.drive(1.0, 0.0, steps=10) == 10 and car.speed() > 2.0
    assert car.drive(1.0, 1.0, steps=100) < 100  # full lock into the wall ends the episode
    assert car.episode_over and car.touching_edge()
    assert car.drive(1.0, 0.0) == 0


def test_reverse_backs_away_from_the_wall():
    car = skills("recover", 0)
    start = car.clearance_ahead()
    assert car.reverse(steps=8) == 8
    assert car.speed() < 0 and car.clearance_ahead() > start + 0.5


def programs(subtask, method=None):
    """The transcript's program for ``subtask`` (the pure-code one when ``method`` says so), executed."""
    for line in TRANSCRIPT.read_text().splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        match = entry["match"]
        if match.get("subtask") == subtask and match.get("method") == method:
            namespace = {}
            exec(re.search(r"```python\n(.*)```", entry["response"], re.S).group(1), namespace)
            return namespace
    raise AssertionError(f"no answer for {subtask} {method}")


def run_until_done(car, namespace, name, calls=20):
    for _ in range(calls):
        if car.episode_over or namespace["done"](car):
            break
        namespace[name](car)


@pytest.mark.parametrize("seed", [0, 1])
def test_reference_lane_keeping_program_reaches_the_end(seed):
    car = skills("follow_road", seed)
    run_until_done(car, programs("drive_to_end", "pure-code"), "drive_to_end")
    assert car.info["is_success"]


def test_reference_recover_programs_need_the_back_off():
    drive_on = programs("drive_on", "pure-code")
    car = skills("recover", 0, budget=250)
    run_until_done(car, drive_on, "drive_on")
    assert not car.info["is_success"] and car.touching_edge()  # pinned: iteration 0's plan fails
    car = skills("recover", 0, budget=250)
    run_until_done(car, programs("back_off"), "back_off")
    assert car.clearance_ahead() >= 2.5
    run_until_done(car, drive_on, "drive_on")
    assert car.info["is_success"]


def test_follow_lane_takes_five_steps_at_any_parameters():
    follow = programs("drive_to_end")["follow_lane"]
    env = make_env(task="follow_road")
    obs, info = env.reset(seed=2)
    actuator = Actuator(env.step, obs, info, budget=100)
    car = DrivingSkills(actuator)
    for params in (np.array([-1.0, -1.0]), np.array([1.0, 1.0]), np.zeros(2)):
        steps = actuator.steps
        assert follow(car, params) is True
        assert actuator.steps - steps == 5
