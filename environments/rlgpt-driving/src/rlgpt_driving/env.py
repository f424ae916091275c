"""DrivingEnv: the Gymnasium environment of a car on a winding, walled road (MuJoCo).

Actions are ``[throttle, steer]`` in ``[-1, 1]``: throttle sets the rear wheels' target speed
(forward up to 4 m/s, reverse up to 2 m/s, 0 brakes), steer the front wheels' angle (+ turns left).
One step is 0.1 s of simulated time. The ``symbolic`` observation is road-relative (see
:data:`OBS_FIELDS`); frames come from ``render()`` with ``render_mode="rgb_array"``.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import gymnasium as gym
import mujoco
import numpy as np

from rlgpt_driving.model import (
    CHASSIS_HALF,
    MAX_FORWARD,
    MAX_REVERSE,
    MAX_STEER,
    SUBSTEPS,
    WALL_GROUP,
    WHEEL_RADIUS,
    build,
    place_road,
    yaw_quat,
)
from rlgpt_driving.road import HALF_WIDTH, MIN_RADIUS, Road, wrap_angle
from rlgpt_driving.tasks import DRIVING_TASKS, DrivingTask

OBS_MODES = ("symbolic",)
LOOKAHEAD = (2.0, 5.0, 10.0)
"""Distances ahead (metres along the road) at which the observation reports the curvature."""
MAX_CLEARANCE = 10.0
"""The clearance ray looks this far (metres)."""
OBS_FIELDS = (
    "lateral offset / half width",
    "sin heading error",
    "cos heading error",
    "forward speed / 4 m/s",
    "yaw rate / (1 rad/s)",
    "front wheel angle / max",
    *(f"curvature {d:g} m ahead x {MIN_RADIUS:g} m" for d in LOOKAHEAD),
    "clearance ahead / 10 m",
    "touching a wall (0 or 1)",
    "fraction of the way to the goal",
)
SUCCESS_BONUS = 5.0
CRASH_PENALTY = 5.0
WALL_PENALTY = 0.05
FRAME_SIZE = (240, 320)


class DrivingEnv(gym.Env):
    """A car on a procedurally generated walled road (one road per reset seed).

    Reward: metres of progress along the road each step, ``+5`` on reaching the goal, ``-5`` when a
    wall contact ends a ``follow_road`` episode, ``-0.05`` per step touching a wall otherwise.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(
        self,
        task: str | None = None,
        obs_mode: str = "symbolic",
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        task = task or "follow_road"
        if task not in DRIVING_TASKS:
            raise ValueError(f"driving has no task {task!r} (tasks: {', '.join(DRIVING_TASKS)})")
        if obs_mode not in OBS_MODES:
            raise ValueError(f"driving has only the 'symbolic' observation mode, got {obs_mode!r}")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.task: DrivingTask = DRIVING_TASKS[task]
        self.max_episode_steps = max_episode_steps or self.task.budget
        self.render_mode = render_mode
        self.road = Road.generate(np.random.default_rng(0), self.task.road_length)
        self.model = build(len(self.road.points))
        self.data = mujoco.MjData(self.model)
        self.action_space = gym.spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        self.observation_space = gym.spaces.Box(-5.0, 5.0, shape=(len(OBS_FIELDS),), dtype=np.float32)
        self._walls = np.array(
            [g for g in range(self.model.ngeom) if self.model.geom_group[g] == WALL_GROUP], dtype=int
        )
        self._car = self.model.body("car").id
        self._ray_groups = np.array([int(g == WALL_GROUP) for g in range(6)], dtype=np.uint8)
        self._renderer: mujoco.Renderer | None = None
        self._hint = 0
        self._steps = 0
        self._s = 0.0

    # ------------------------------------------------------------------ gymnasium

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.road = Road.generate(self.np_random, self.task.road_length)
        place_road(self.model, self.road, self.task.goal)
        start = self.task.start(self.np_random)
        x, y, road_heading = self.road.pose_at(start.s, start.lateral)
        mujoco.mj_resetData(self.model, self.data)
        self.data.qpos[:3] = (x, y, WHEEL_RADIUS + 0.12)
        self.data.qpos[3:7] = yaw_quat(road_heading + start.heading_error)
        mujoco.mj_forward(self.model, self.data)
        self._hint = self.road.locate(np.array([x, y])).index
        self._steps = 0
        info = self._info()
        self._s = info["progress"]
        return self._obs(info), info

    def step(self, action: Any):
        throttle, steer = np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0)
        wheel_speed = throttle * (MAX_FORWARD if throttle >= 0 else MAX_REVERSE) / WHEEL_RADIUS
        self.data.ctrl[:] = (steer * MAX_STEER, steer * MAX_STEER, wheel_speed, wheel_speed)
        mujoco.mj_step(self.model, self.data, nstep=SUBSTEPS)
        self._steps += 1
        info = self._info()
        reward = info["progress"] - self._s
        self._s = info["progress"]
        crashed = self.task.crash_ends and info["touching_edge"]
        info["left_road"] = bool(crashed)
        terminated = bool(info["is_success"] or crashed or info["flipped"])
        if info["is_success"]:
            reward += SUCCESS_BONUS
        elif crashed or info["flipped"]:
            reward -= CRASH_PENALTY
        elif info["touching_edge"]:
            reward -= WALL_PENALTY
        truncated = self._steps >= self.max_episode_steps and not terminated
        return self._obs(info), float(reward), terminated, truncated, info

    def render(self) -> np.ndarray | None:
        """An RGB frame from the chase camera behind the car (``render_mode="rgb_array"``)."""
        if self.render_mode != "rgb_array":
            return None
        if self._renderer is None:
            self._renderer = mujoco.Renderer(self.model, *FRAME_SIZE)
        self._renderer.update_scene(self.data, camera="chase")
        return self._renderer.render()

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    # ------------------------------------------------------------------ state

    def _info(self) -> dict[str, Any]:
        x, y = (float(v) for v in self.data.qpos[:2])
        w, qx, qy, qz = self.data.qpos[3:7]
        yaw = math.atan2(2 * (w * qz + qx * qy), 1 - 2 * (qy * qy + qz * qz))
        up = 1 - 2 * (qx * qx + qy * qy)  # z component of the chassis' up axis
        point = self.road.locate(np.array([x, y]), self._hint)
        self._hint = point.index
        forward = float(self.data.qvel[0] * math.cos(yaw) + self.data.qvel[1] * math.sin(yaw))
        return {
            "position": [x, y],
            "yaw": yaw,
            "speed": forward,
            "yaw_rate": float(self.data.qvel[5]),
            "steer_angle": float(self.data.qpos[self.model.joint("fl_steer").qposadr[0]]),
            "progress": point.s,
            "goal": self.task.goal,
            "road_length": self.road.length,
            "lateral_offset": point.lateral,
            "heading_error": wrap_angle(yaw - point.heading),
            "half_width": HALF_WIDTH,
            "curvature_ahead": [self.road.curvature_at(point.s + d) for d in LOOKAHEAD],
            "lookahead": list(LOOKAHEAD),
            "clearance_ahead": self._clearance(x, y, yaw),
            "touching_edge": self._touching_wall(),
            "flipped": bool(up < 0.3),
            "is_success": bool(point.s >= self.task.goal),
            "left_road": False,
        }

    def _obs(self, info: dict[str, Any]) -> np.ndarray:
        heading = info["heading_error"]
        values = [
            info["lateral_offset"] / HALF_WIDTH,
            math.sin(heading),
            math.cos(heading),
            info["speed"] / MAX_FORWARD,
            info["yaw_rate"],
            info["steer_angle"] / MAX_STEER,
            *(k * MIN_RADIUS for k in info["curvature_ahead"]),
            info["clearance_ahead"] / MAX_CLEARANCE,
            float(info["touching_edge"]),
            info["progress"] / self.task.goal,
        ]
        return np.clip(np.array(values, dtype=np.float32), -5.0, 5.0)

    def _touching_wall(self) -> bool:
        contacts = self.data.contact
        n = self.data.ncon
        if n == 0:
            return False
        geoms = np.concatenate([contacts.geom1[:n], contacts.geom2[:n]])
        return bool(np.isin(geoms, self._walls).any())

    def _clearance(self, x: float, y: float, yaw: float) -> float:
        """Metres from the front bumper to the nearest wall straight ahead (capped)."""
        direction = np.array([math.cos(yaw), math.sin(yaw), 0.0])
        origin = np.array([x, y, float(self.data.qpos[2])]) + CHASSIS_HALF[0] * direction
        geom = np.zeros(1, dtype=np.int32)
        distance = mujoco.mj_ray(
            self.model, self.data, origin, direction, self._ray_groups, 1, self._car, geom
        )
        return MAX_CLEARANCE if distance < 0 else float(min(distance, MAX_CLEARANCE))


def make_env(
    task: str | None = None,
    obs_mode: str = "symbolic",
    max_episode_steps: int | None = None,
    render_mode: str | None = None,
) -> DrivingEnv:
    """Gymnasium factory of the driving environment (the spec's entry point)."""
    return DrivingEnv(
        task=task, obs_mode=obs_mode, max_episode_steps=max_episode_steps, render_mode=render_mode
    )
