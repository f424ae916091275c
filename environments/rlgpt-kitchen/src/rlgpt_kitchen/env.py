"""Franka Kitchen as a Gymnasium environment with end-effector actions and a compact state view."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from rlgpt_kitchen.control import ARM_JOINTS, FINGER_OPEN, MAX_STEP_M, EndEffectorController
from rlgpt_kitchen.tasks import ELEMENTS, TASKS, elements_of

OBS_MODES: tuple[str, ...] = ("state",)
"""Observation modes (frames come from ``render()``)."""

ACTIONS: tuple[str, ...] = ("dx", "dy", "dz", "grip")
"""The four action dimensions: end-effector move (x, y, z) and gripper (< 0 open, > 0 close)."""

SITES: dict[str, str] = {
    "microwave_handle": "microhandle_site",
    "kettle_handle": "kettle_site",
    "light_switch": "light_site",
    "slide_handle": "slide_site",
}
"""Names the skill API uses -> MuJoCo sites of the handles."""

JOINTS: dict[str, str] = {
    "microwave": "microwave",
    "light_switch": "light_switch",
    "slide_cabinet": "slide_cabinet",
}
"""Names the skill API uses -> MuJoCo joints of the hinged or sliding elements."""

ADROIT_NOTICE = "AdroitHandRelocateDense-v1, AdroitHandHammerDense-v1, AdroitHandDoorDense-v1 environment's"
"""Start of the notice gymnasium-robotics prints on import about the Adroit hands' rewards (not kitchen's)."""

START_NOISE = 0.05
"""Half-width (rad) of the seeded uniform perturbation of the arm's start joints."""

IMAGE_SIZE = 128
OBS_BOUND = 10.0  # every observed quantity (metres, radians, flags) lies well inside
_OBS_SIZE = 3 + 1 + ARM_JOINTS + 3 * len(SITES) + len(JOINTS) + 3 + len(ELEMENTS)


def _robot_kitchen(elements: tuple[str, ...], render_mode: str | None, size: int) -> Any:
    """gymnasium-robotics' KitchenEnv (imported late: it pulls in MuJoCo's renderer setup)."""
    if render_mode is not None:
        os.environ.setdefault("MUJOCO_GL", "egl")
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed):
        from gymnasium_robotics.envs.franka_kitchen.kitchen_env import KitchenEnv as RoboticsKitchen
    for line in printed.getvalue().splitlines(keepends=True):  # all but the notice about Adroit
        if not line.startswith(ADROIT_NOTICE):
            sys.stderr.write(line)
    return RoboticsKitchen(
        tasks_to_complete=list(elements),
        render_mode=render_mode,
        width=size,
        height=size,
    )


class KitchenEnv(gym.Env):
    """Franka Kitchen (gymnasium-robotics ``FrankaKitchen-v1``) with a task and end-effector actions.

    **Actions** ``Box(-1, 1, (4,))``: ``dx, dy, dz`` move the end effector by up to
    :data:`~rlgpt_kitchen.control.MAX_STEP_M` metres each per step (world frame, orientation held),
    through damped least squares over MuJoCo's Jacobian with an integrated joint target; ``grip``
    closes the fingers when positive, opens them otherwise. One step is Franka Kitchen's 0.08 s.

    **Observations** (``"state"``, float32): end-effector position, finger opening, the seven arm
    joints, the offset from the end effector to each handle site (:data:`SITES`), the joint state of
    the microwave, light switch and slide cabinet, the kettle's position, and one completion flag
    per element (microwave, kettle, light switch, slide cabinet).

    **Reward**: Franka Kitchen's: +1 on the step an element of the task is completed.
    **Episode end**: ``terminated`` once the task succeeds; ``truncated`` at the step limit.

    **info**: ``ee_pos``, ``gripper`` (finger opening, m), ``joints`` (arm), ``sites`` (name ->
    xyz), ``element_state`` (name -> joint value; kettle -> xyz), ``completed`` (element names
    completed this episode), ``is_success`` and ``task``.

    **Determinism**: Franka Kitchen always starts from the same pose; ``reset(seed=s)`` perturbs the
    arm's start joints by a seeded uniform draw within ``start_noise`` rad, so seeds differ and the
    same seed and actions replay the same episode.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 12}

    def __init__(
        self,
        task: str | None = None,
        obs_mode: str = "state",
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
        start_noise: float = START_NOISE,
        image_size: int = IMAGE_SIZE,
    ) -> None:
        if task is not None and task not in TASKS:
            raise ValueError(f"unknown kitchen task {task!r}; choose one of {', '.join(TASKS)}")
        if obs_mode not in OBS_MODES:
            raise ValueError(f"kitchen has only the 'state' observation mode, got {obs_mode!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        if max_episode_steps is not None and (
            not isinstance(max_episode_steps, int) or max_episode_steps < 1
        ):
            raise ValueError(
                f"max_episode_steps must be a positive integer or None, got {max_episode_steps!r}"
            )
        self.task = TASKS[task] if task is not None else None
        self.obs_mode, self.render_mode, self.start_noise = obs_mode, render_mode, float(start_noise)
        self.max_episode_steps = max_episode_steps or (self.task.max_episode_steps if self.task else 280)
        self._elements = elements_of(task)
        self._kitchen = _robot_kitchen(self._elements, render_mode, image_size)
        robot = self._kitchen.robot_env
        self._model, self._data = robot.model, robot.data
        _quiet_renderer(robot)
        self._controller = EndEffectorController(self._model, self._data, robot.dt, robot.act_rng)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (len(ACTIONS),), np.float32)
        self.observation_space = gym.spaces.Box(-OBS_BOUND, OBS_BOUND, (_OBS_SIZE,), np.float32)
        self._steps = 0
        self._completed: list[str] = []
        self._started = False

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode from Franka Kitchen's pose, the arm perturbed by the seeded draw."""
        super().reset(seed=seed)
        self._kitchen.reset(seed=int(self.np_random.integers(2**31 - 1)))
        robot = self._kitchen.robot_env
        qpos, qvel = self._data.qpos.copy(), self._data.qvel.copy()
        qpos[:ARM_JOINTS] += self.np_random.uniform(-self.start_noise, self.start_noise, ARM_JOINTS)
        robot.set_state(qpos, qvel)
        robot._get_obs()  # the robot's velocity action is relative to this measurement
        self._controller.reset()
        self._steps, self._completed, self._started = 0, [], True
        info = self._info()
        return self._observe(info), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Move the end effector by ``action[:3] * MAX_STEP_M`` and set the gripper by ``action[3]``."""
        if not self._started:
            raise RuntimeError("call reset() before step()")
        vector = np.asarray(action, dtype=np.float64).reshape(-1)
        if vector.shape != (len(ACTIONS),) or not np.all(np.isfinite(vector)):
            raise ValueError(f"action must be 4 finite numbers (dx, dy, dz, grip), got {action!r}")
        vector = np.clip(vector, -1.0, 1.0)
        command = self._controller.action(vector[:3] * MAX_STEP_M, float(vector[3]))
        _, reward, _, _, raw = self._kitchen.step(command)
        for element in raw["episode_task_completions"]:
            if element not in self._completed:
                self._completed.append(element)
        self._steps += 1
        info = self._info()
        terminated = bool(info["is_success"])
        truncated = not terminated and self._steps >= self.max_episode_steps
        return self._observe(info), float(reward), terminated, truncated, info

    def render(self) -> np.ndarray | None:
        """An RGB frame of the kitchen (``render_mode="rgb_array"``); the simulation is unaffected."""
        if self.render_mode is None:
            gym.logger.warn("render() needs render_mode='rgb_array' when the environment is made")
            return None
        return np.ascontiguousarray(self._kitchen.render())

    def close(self) -> None:
        """Free the simulator and its renderer."""
        self._kitchen.close()

    def _info(self) -> dict[str, Any]:
        data, model = self._data, self._model
        element_state = {
            name: float(data.qpos[model.joint(joint).qposadr[0]]) for name, joint in JOINTS.items()
        }
        kettle = model.joint("kettle").qposadr[0]
        info: dict[str, Any] = {
            "ee_pos": self._controller.ee_pos().tolist(),
            "gripper": float(np.sum(data.qpos[ARM_JOINTS : ARM_JOINTS + 2])),
            "joints": self._controller.joints().tolist(),
            "sites": {name: data.site(site).xpos.tolist() for name, site in SITES.items()},
            "element_state": {**element_state, "kettle": data.qpos[kettle : kettle + 3].tolist()},
            "completed": list(self._completed),
            "task": self.task.id if self.task else None,
        }
        info["is_success"] = bool(self.task and self.task.success(info))
        return info

    def _observe(self, info: dict[str, Any]) -> np.ndarray:
        ee = np.asarray(info["ee_pos"])
        offsets = [np.asarray(info["sites"][name]) - ee for name in SITES]
        states = [info["element_state"][name] for name in JOINTS]
        flags = [float(element in info["completed"]) for element in ELEMENTS.values()]
        parts = [
            ee,
            [info["gripper"] / (2 * FINGER_OPEN)],
            info["joints"],
            *offsets,
            states,
            info["element_state"]["kettle"],
            flags,
        ]
        return np.concatenate([np.asarray(p, dtype=np.float64).ravel() for p in parts]).astype(np.float32)


def _quiet_renderer(robot: Any) -> None:
    """Franka Kitchen renders with shadows, reflections and 4x multisampling: about 2 fps at
    128x128 on a CPU. Without them, about 50 fps.
    """
    visual = robot.model.vis
    visual.quality.shadowsize = 0
    visual.quality.offsamples = 0
    robot.model.light_castshadow[:] = 0
    robot.model.mat_reflectance[:] = 0


def make_env(
    task: str | None = None,
    obs_mode: str = "state",
    max_episode_steps: int | None = None,
    render_mode: str | None = None,
    start_noise: float = START_NOISE,
) -> KitchenEnv:
    """Build a :class:`KitchenEnv` (the ``rlgpt`` entry point ``rlgpt_kitchen.env:make_env``).

    :param task: a task id from :data:`rlgpt_kitchen.tasks.TASKS` or ``None`` (all four elements).
    :param obs_mode: ``"state"``.
    :param max_episode_steps: step limit; default: the task's budget, or 280.
    :param render_mode: ``None`` or ``"rgb_array"`` (MuJoCo's EGL renderer, headless).
    :param start_noise: half-width (rad) of the seeded perturbation of the arm's start joints.
    """
    return KitchenEnv(task, obs_mode, max_episode_steps, render_mode, start_noise)
