"""The driving tasks: where the car starts, where the goal is, what ends an episode."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from rlgpt import TaskSpec

from rlgpt_driving.model import CHASSIS_HALF
from rlgpt_driving.road import HALF_WIDTH


@dataclass(frozen=True)
class Start:
    """A start pose in road coordinates."""

    s: float
    lateral: float
    heading_error: float


@dataclass(frozen=True)
class DrivingTask:
    """How one task sets up and judges an episode.

    :param road_length: metres of road generated per episode.
    :param goal: arc length (metres) the car must reach.
    :param crash_ends: touching a wall ends the episode as a failure ("left the road").
    :param against_edge: the car starts with its nose at a wall, facing it.
    :param budget: default episode length in environment steps (0.1 s each).
    """

    road_length: float
    goal: float
    crash_ends: bool
    against_edge: bool
    budget: int

    def start(self, rng: np.random.Generator) -> Start:
        """Draw the start pose."""
        if not self.against_edge:
            lateral, heading = rng.uniform(-0.5, 0.5), rng.uniform(-0.15, 0.15)
            return Start(s=1.5, lateral=float(lateral), heading_error=float(heading))
        side = 1.0 if rng.random() < 0.5 else -1.0
        angle = float(rng.uniform(1.35, 1.65))  # 77 to 95 degrees into the wall
        front_reach = CHASSIS_HALF[0] * math.sin(angle) + CHASSIS_HALF[1] * abs(math.cos(angle))
        return Start(s=5.0, lateral=side * (HALF_WIDTH - front_reach - 0.03), heading_error=side * angle)


DRIVING_TASKS: Mapping[str, DrivingTask] = {
    "follow_road": DrivingTask(road_length=50.0, goal=48.0, crash_ends=True, against_edge=False, budget=250),
    "recover": DrivingTask(road_length=32.0, goal=25.0, crash_ends=False, against_edge=True, budget=250),
}


def _reached_goal(info: Mapping[str, Any]) -> bool:
    return bool(info["is_success"])


TASKS: tuple[TaskSpec, ...] = (
    TaskSpec(
        "follow_road",
        "Drive the car to the end of the winding road (48 m) without touching the walls at its edges; "
        "touching a wall ends the episode as a failure.",
        _reached_goal,
        DRIVING_TASKS["follow_road"].budget,
    ),
    TaskSpec(
        "recover",
        "The car starts with its nose against the wall at one edge of the road, facing it. Get it back "
        "onto the road and drive on to 25 m along the road.",
        _reached_goal,
        DRIVING_TASKS["recover"].budget,
    ),
)
