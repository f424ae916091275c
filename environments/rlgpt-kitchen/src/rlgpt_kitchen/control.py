"""End-effector control of the Franka arm: damped least squares over MuJoCo's Jacobian.

Franka Kitchen's action is nine joint velocities; the robot turns each into a joint *position*
target ``measured joints + velocity * dt``. Sending damped-least-squares velocities straight
through stalls several centimetres short of a target (gravity holds the arm below a target
that is never more than one step ahead). :class:`EndEffectorController` instead integrates a
joint target, keeps it within a band of the measured joints (so pushing against the scene
cannot wind it up), respects the joint limits, and sends the velocity that puts the robot's
position target exactly on it.
"""

from __future__ import annotations

import mujoco
import numpy as np

ARM_JOINTS = 7
"""The arm's joints (the Franka's two finger joints follow them)."""

EE_SITE = "end_effector"
"""The MuJoCo site between the fingertips."""

MAX_STEP_M = 0.03
"""Largest end-effector move per env step, in metres (an action component of 1)."""

FINGER_OPEN = 0.04
"""Finger joint position when the gripper is fully open (0 is closed)."""

_DAMPING = 0.05
_ORIENTATION_GAIN = 0.5
_POSTURE_GAIN = 0.05
_TARGET_BAND = 0.15  # rad: how far the integrated joint target may lead the measured joints
_LIMIT_MARGIN = 0.02


class EndEffectorController:
    """Turns end-effector moves into Franka Kitchen joint-velocity actions.

    :param model: the MuJoCo model of the kitchen.
    :param data: its live data.
    :param dt: seconds per env step (the robot's ``dt``).
    :param velocity_scale: rad/s (m/s for fingers) of a joint-velocity action of 1.
    """

    def __init__(
        self, model: mujoco.MjModel, data: mujoco.MjData, dt: float, velocity_scale: np.ndarray
    ) -> None:
        self._model, self._data, self._dt = model, data, dt
        self._scale = np.asarray(velocity_scale, dtype=np.float64)
        self._site = model.site(EE_SITE).id
        self._dofs = np.array([model.joint(i).dofadr[0] for i in range(ARM_JOINTS)])
        self._qadr = np.array([model.joint(i).qposadr[0] for i in range(ARM_JOINTS)])
        low, high = model.jnt_range[:ARM_JOINTS].T
        self._low, self._high = low + _LIMIT_MARGIN, high - _LIMIT_MARGIN
        self._target = self.joints()
        self._posture = self.joints()
        self._orientation = self.ee_quat()

    def reset(self) -> None:
        """Hold the current pose: the joint target and the kept orientation become the measured ones."""
        self._target = self.joints()
        self._posture = self.joints()
        self._orientation = self.ee_quat()

    def joints(self) -> np.ndarray:
        """Measured arm joint positions (rad)."""
        return self._data.qpos[self._qadr].copy()

    def ee_pos(self) -> np.ndarray:
        """End-effector position (m, world frame)."""
        return self._data.site_xpos[self._site].copy()

    def ee_quat(self) -> np.ndarray:
        """End-effector orientation as a unit quaternion ``(w, x, y, z)``."""
        quat = np.empty(4)
        mujoco.mju_mat2Quat(quat, self._data.site_xmat[self._site])
        return quat

    def action(self, move: np.ndarray, grip: float) -> np.ndarray:
        """The nine-joint velocity action (in ``[-1, 1]``) that moves the end effector by ``move`` (m)
        while keeping its orientation, and drives the fingers open (``grip < 0``) or closed (``grip > 0``).
        """
        measured = self.joints()
        error = np.concatenate(
            [np.asarray(move, dtype=np.float64), _ORIENTATION_GAIN * self._rotation_error()]
        )
        jacobian = self._jacobian()
        free = np.ones(ARM_JOINTS, dtype=bool)
        for _ in range(3):  # joints a step would push past their limits sit out, the others make up for them
            step = _damped_step(jacobian * free, error, (self._posture - measured) * free)
            blocked = free & ((self._target + step < self._low) | (self._target + step > self._high))
            if not blocked.any():
                break
            free &= ~blocked
        target = np.clip(self._target + step, measured - _TARGET_BAND, measured + _TARGET_BAND)
        self._target = np.clip(target, self._low, self._high)
        arm = (self._target - measured) / self._dt
        fingers = self._data.qpos[self._qadr[-1] + 1 : self._qadr[-1] + 3]
        goal = 0.0 if grip > 0 else FINGER_OPEN
        finger_velocity = (goal - fingers) / self._dt
        return np.clip(np.concatenate([arm, finger_velocity]) / self._scale, -1.0, 1.0)

    def _jacobian(self) -> np.ndarray:
        jacp = np.zeros((3, self._model.nv))
        jacr = np.zeros((3, self._model.nv))
        mujoco.mj_jacSite(self._model, self._data, jacp, jacr, self._site)
        return np.vstack([jacp[:, self._dofs], jacr[:, self._dofs]])

    def _rotation_error(self) -> np.ndarray:
        """Angular velocity (rad) that turns the current orientation into the kept one."""
        current = self.ee_quat()
        difference = np.empty(4)
        mujoco.mju_negQuat(difference, current)
        mujoco.mju_mulQuat(difference, self._orientation, difference)
        error = np.empty(3)
        mujoco.mju_quat2Vel(error, difference, 1.0)
        return error


def _damped_step(jacobian: np.ndarray, error: np.ndarray, posture: np.ndarray) -> np.ndarray:
    """Damped-least-squares joint step towards ``error`` (6-D), plus a null-space pull towards ``posture``."""
    damped = jacobian @ jacobian.T + _DAMPING**2 * np.eye(6)
    pinv = jacobian.T @ np.linalg.solve(damped, np.eye(6))
    return pinv @ error + (np.eye(ARM_JOINTS) - pinv @ jacobian) @ (_POSTURE_GAIN * posture)
