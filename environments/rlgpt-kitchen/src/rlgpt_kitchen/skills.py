"""The skill API generated code uses in the kitchen: end-effector motion, gripper, perception."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from rlgpt import SkillAPI

from rlgpt_kitchen.control import FINGER_OPEN, MAX_STEP_M
from rlgpt_kitchen.env import JOINTS, SITES

_STALL_STEPS = 4
_STALL_M = 0.002


class KitchenSkills(SkillAPI):
    """Move the Franka arm's end effector and read the kitchen's state.

    Positions are tuples (x, y, z) of metres in the world frame: x to the robot's right, y away from
    the robot towards the wall and the appliances, z up. The gripper points at the wall (+y) with its
    fingers spread along x; its orientation is held fixed. One action step moves the end effector by at most
    0.03 m per axis and takes 0.08 s of simulated time. Perception helpers cost 0 steps.
    Sites (handles): "microwave_handle", "kettle_handle", "light_switch", "slide_handle".
    Elements: "microwave" (door hinge angle, rad; 0 closed, opening is negative), "light_switch"
    (0 off, negative towards on), "slide_cabinet" (0 closed, opening is positive, m), "kettle"
    (its x, y, z position).
    """

    # Actions: one environment step each, or a bounded loop of them.

    def step(self, dx: float = 0.0, dy: float = 0.0, dz: float = 0.0, grip: float = -1.0) -> None:
        """One env step: move the end effector by ``(dx, dy, dz)`` metres (each clipped to 0.03) and
        drive the gripper closed (``grip > 0``) or open (``grip <= 0``). Costs 1 step.
        """
        move = np.clip(np.array([dx, dy, dz], dtype=np.float64), -MAX_STEP_M, MAX_STEP_M) / MAX_STEP_M
        self.act(np.array([*move, float(grip)], dtype=np.float32))

    def move_ee_to(
        self,
        xyz: Sequence[float],
        grip: float | None = None,
        tolerance: float = 0.01,
        max_steps: int = 60,
        speed: float = 1.0,
    ) -> bool:
        """Move the end effector to ``xyz`` in a straight line (damped least squares over the arm's
        Jacobian, joint limits respected), at most ``speed * 0.03`` m per axis and step. ``grip``:
        keep the gripper as it is (None), close (> 0) or open (<= 0). Stops when within ``tolerance``
        metres, after ``max_steps`` steps, or when blocked (no progress for 4 steps: something is in
        the way). Returns True when it arrived. Costs up to ``max_steps`` steps.
        """
        target = _point(xyz)
        limit = MAX_STEP_M * min(max(float(speed), 0.05), 1.0)
        grip = self._grip() if grip is None else float(grip)
        best, since_best = math.inf, 0
        for _ in range(int(max_steps)):
            error = target - self._ee()
            distance = float(np.linalg.norm(error))
            if distance <= tolerance:
                return True
            if self.episode_over:
                return False
            since_best = 0 if distance < best - _STALL_M else since_best + 1
            best = min(best, distance)
            if since_best >= _STALL_STEPS:
                return False
            self.step(*np.clip(error, -limit, limit), grip=grip)
        return bool(np.linalg.norm(target - self._ee()) <= tolerance)

    def move_by(self, offset: Sequence[float], grip: float | None = None, max_steps: int = 60) -> bool:
        """Move the end effector by ``offset`` (dx, dy, dz) metres from where it is, as ``move_ee_to``.
        Returns True when it arrived. Costs up to ``max_steps`` steps.
        """
        return self.move_ee_to(self._ee() + _point(offset), grip=grip, max_steps=max_steps)

    def push(self, direction: Sequence[float], steps: int = 8, grip: float | None = None) -> float:
        """Move along ``direction`` (any length; normalised) at full speed for ``steps`` steps whatever
        is in the way: for pushing, pulling and sliding things once in contact. Returns the distance
        the end effector actually travelled (m). Costs ``steps`` steps.
        """
        unit = _point(direction)
        norm = float(np.linalg.norm(unit))
        if norm == 0.0:
            raise ValueError("push direction is zero; give a vector such as (0, -1, 0)")
        unit = unit / norm * MAX_STEP_M
        grip = self._grip() if grip is None else float(grip)
        start = self._ee()
        for _ in range(int(steps)):
            if self.episode_over:
                break
            self.step(*unit, grip=grip)
        return float(np.linalg.norm(self._ee() - start))

    def open_gripper(self, steps: int = 3) -> None:
        """Open the fingers while holding the end effector still. Costs ``steps`` steps."""
        for _ in range(int(steps)):
            self.step(grip=-1.0)

    def close_gripper(self, steps: int = 3) -> None:
        """Close the fingers (around whatever is between them) holding the end effector still.
        Costs ``steps`` steps.
        """
        for _ in range(int(steps)):
            self.step(grip=1.0)

    def approach(
        self,
        site: str,
        offset: Sequence[float] = (0.0, 0.0, 0.0),
        standoff: float = 0.15,
        max_steps: int = 80,
    ) -> bool:
        """Reach ``site`` + ``offset`` from the robot's side without sweeping through the scene: first
        to a point ``standoff`` metres in front of it (towards the robot, -y), then straight in along +y,
        gripper open. Returns True when the end effector arrived (within 0.015 m).
        Costs up to ``max_steps`` steps.
        """
        goal = self._site(site) + _point(offset)
        if not self.move_ee_to(
            goal - np.array([0.0, standoff, 0.0]), grip=-1.0, tolerance=0.02, max_steps=max_steps
        ):
            return False
        return self.move_ee_to(goal, grip=-1.0, tolerance=0.015, max_steps=max_steps)

    # Perception: 0 steps each.

    def ee_position(self) -> tuple[float, float, float]:
        """End-effector position (x, y, z), metres. Costs 0 steps."""
        return _triple(self.info["ee_pos"])

    def gripper_opening(self) -> float:
        """Distance between the fingers, metres (0.08 fully open, 0 closed). Costs 0 steps."""
        return float(self.info["gripper"])

    def joint_positions(self) -> list[float]:
        """The seven arm joint angles, radians. Costs 0 steps."""
        return [float(q) for q in self.info["joints"]]

    def site_position(self, site: str) -> tuple[float, float, float]:
        """Position (x, y, z) of a handle site: "microwave_handle", "kettle_handle", "light_switch" or
        "slide_handle". Moves with its element. Costs 0 steps.
        """
        sites = self.info["sites"]
        if site not in sites:
            raise ValueError(f"unknown site {site!r}; sites: {', '.join(SITES)}")
        return _triple(sites[site])

    def distance_to(self, site: str, offset: Sequence[float] = (0.0, 0.0, 0.0)) -> float:
        """Distance from the end effector to a handle site (see ``site_position``) plus ``offset``
        (dx, dy, dz), metres. Costs 0 steps.
        """
        return float(np.linalg.norm(self._site(site) + _point(offset) - self._ee()))

    def element_state(self, element: str) -> float | tuple[float, float, float]:
        """Joint value of "microwave" (rad), "light_switch", "slide_cabinet" (m), or the kettle's
        position (x, y, z) for "kettle". Costs 0 steps.
        """
        states = self.info["element_state"]
        if element not in states:
            raise ValueError(f"unknown element {element!r}; elements: {', '.join([*JOINTS, 'kettle'])}")
        value = states[element]
        return _triple(value) if element == "kettle" else float(value)

    def completed(self) -> list[str]:
        """Franka Kitchen elements completed this episode ("microwave", "kettle", "light switch",
        "slide cabinet"), as the env judges them. Costs 0 steps.
        """
        return list(self.info["completed"])

    def task_done(self) -> bool:
        """True once the task's own success condition holds. Costs 0 steps."""
        return bool(self.info["is_success"])

    def _ee(self) -> np.ndarray:
        return np.array(self.info["ee_pos"], dtype=np.float64)

    def _site(self, site: str) -> np.ndarray:
        return np.array(self.site_position(site), dtype=np.float64)

    def _grip(self) -> float:
        return 1.0 if self.gripper_opening() < FINGER_OPEN else -1.0


def _triple(value: Any) -> tuple[float, float, float]:
    x, y, z = (float(v) for v in value)
    return x, y, z


def _point(value: Any) -> np.ndarray:
    """``value`` as three floats, or a one-line ``ValueError`` saying what a point is."""
    try:
        point = np.asarray(value, dtype=np.float64).reshape(3)
    except (TypeError, ValueError):
        raise ValueError(
            f"a position or offset is three numbers (x, y, z) in metres, got {value!r}"
        ) from None
    if not np.all(np.isfinite(point)):
        raise ValueError(f"a position or offset must be finite, got {value!r}")
    return point
