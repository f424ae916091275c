"""FurnitureEnv: a Franka arm seats square legs in the sockets of an upside-down tabletop (MuJoCo).

Actions are ``[dx, dy, dz, dyaw, grip]`` in ``[-1, 1]``: the fingertip target moves up to 1 cm per axis and
turns up to 0.08 rad about the vertical per step; ``grip > 0.5`` closes the fingers (grasping a leg whose
upper part is between them), ``grip < -0.5`` opens them (releasing it), anything between leaves them as they
are. One step is 0.02 s of simulated time. The ``symbolic`` observation is listed in :data:`OBS_FIELDS`;
frames come from ``render()`` with ``render_mode="rgb_array"``.

The sockets' positions the agent gets (observation, ``info``, skills) are estimates with a per-episode error
of a few millimetres, larger than the 1.5 mm clearance: a leg lowered straight onto an estimate often lands
on a socket's rim, and feeling for the opening (the contact readings) is what seats it.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import gymnasium as gym
import mujoco
import numpy as np

from rlgpt_furniture.model import (
    FINGERTIP,
    HOME_QPOS,
    LEG_HALF,
    SEAT_Z,
    SOCKET_XY,
    SUBSTEPS,
    TOP_HALF,
    build,
    yaw_quat,
)
from rlgpt_furniture.tasks import FURNITURE_TASKS, FurnitureTask

OBS_MODES = ("symbolic",)
MAX_MOVE = 0.01
"""Largest fingertip move per step and axis (metres)."""
MAX_TURN = 0.08
"""Largest hand turn per step (radians)."""
MAX_LAG = 0.02
"""The fingertip target stays within this distance (per axis) of the fingertips."""
PRESS_LIMIT = 20.0
"""While the held leg pushes on the tabletop harder than this (newtons), the hand does not move further
down (a force-guarded move, as a real arm's controller would do)."""
WORKSPACE = ((0.25, 0.8), (-0.45, 0.45), (0.03, 0.45))
"""Box the fingertip target is kept in (x, y, z ranges in metres; the work table's top is z = 0)."""
MAX_YAW = 1.6
ESTIMATE_ERROR = 0.003
"""Standard deviation (metres, per axis) of the error of each socket's estimated position."""
ESTIMATE_ERROR_CAP = 0.0075
SEAT_TOLERANCE = 0.005
"""A seated leg's lower end is at most this far above its socket's floor."""
UPRIGHT_TOLERANCE = 0.15
"""A seated leg leans at most this much (radians) from vertical."""
GRASP_REACH = 0.015
"""The fingertips grasp a leg when they are this close (horizontally) to its axis, on its upper part."""
SEAT_BONUS = 5.0
OBS_FIELDS = (
    "fingertip x - 0.5 m (/0.3 m)",
    "fingertip y (/0.3 m)",
    "fingertip height (/0.3 m)",
    "sin hand yaw",
    "cos hand yaw",
    "holding a leg (0 or 1)",
    "target leg's lower end - target socket estimate, x (/5 cm)",
    "same, y (/5 cm)",
    "same, height above the socket floor (/5 cm)",
    "leg yaw - socket yaw, modulo 90 degrees (/45 degrees)",
    "leg tilt, x component of its axis (x5)",
    "leg tilt, y component of its axis (x5)",
    "contact centre under the leg relative to its axis, x (/1.5 cm)",
    "same, y (/1.5 cm)",
    "contact force between the leg and the tabletop (/10 N)",
    "grasp point on the target leg - fingertips, x (/10 cm)",
    "same, y (/10 cm)",
    "same, z (/10 cm)",
    "fraction of the task's legs seated",
)
FRAME_SIZE = (240, 320)


def wrap_quarter(angle: float) -> float:
    """``angle`` modulo 90 degrees, in [-45, 45) degrees (a square leg looks the same every quarter turn)."""
    return (angle + math.pi / 4) % (math.pi / 2) - math.pi / 4


class FurnitureEnv(gym.Env):
    """A Franka arm, an upside-down tabletop with four square sockets, and loose square legs.

    Reward: ``10 x`` the decrease of a potential (the fingertips' distance to the target leg while no leg is
    held, plus the target leg's lower end's distance to its socket), ``+5`` per leg newly seated, ``-5`` per
    leg that leaves its socket.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 25}

    def __init__(
        self,
        task: str | None = None,
        obs_mode: str = "symbolic",
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        task = task or "insert_one_leg"
        if task not in FURNITURE_TASKS:
            raise ValueError(f"furniture has no task {task!r} (tasks: {', '.join(FURNITURE_TASKS)})")
        if obs_mode not in OBS_MODES:
            raise ValueError(f"furniture has only the 'symbolic' observation mode, got {obs_mode!r}")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.task: FurnitureTask = FURNITURE_TASKS[task]
        self.max_episode_steps = max_episode_steps or self.task.budget
        self.render_mode = render_mode
        self.model = build(self.task.legs)
        self.data = mujoco.MjData(self.model)
        self.action_space = gym.spaces.Box(-1.0, 1.0, shape=(5,), dtype=np.float32)
        self.observation_space = gym.spaces.Box(-5.0, 5.0, shape=(len(OBS_FIELDS),), dtype=np.float32)
        m = self.model
        self._arm = [m.joint(f"robot:panda0_joint{i}").qposadr[0] for i in range(1, 8)]
        self._fingers = [m.joint(f"robot:panda0_finger_joint{i}").qposadr[0] for i in (1, 2)]
        self._hand = m.body("panda0_link7").id
        self._site = m.site("end_effector").id
        self._target_mocap = m.body("target").mocapid[0]
        self._top_mocap = m.body("tabletop").mocapid[0]
        self._top_geoms = {g for g in range(m.ngeom) if m.geom_bodyid[g] == m.body("tabletop").id}
        self._legs = [m.body(f"leg{i}").id for i in range(self.task.legs)]
        self._leg_geoms = [m.geom(f"leg{i}").id for i in range(self.task.legs)]
        self._leg_qpos = [m.joint(f"leg{i}").qposadr[0] for i in range(self.task.legs)]
        self._grasps = [m.equality(f"grasp{i}").id for i in range(self.task.legs)]
        m.eq_data[m.equality("hand").id, :10] = (0, 0, 0, 0, 0, 0, 1, 0, 0, 0)  # the hand sits on its target
        self._home_quat = np.zeros(4)
        self._renderer: mujoco.Renderer | None = None
        self._goal = np.zeros(3)
        self._yaw = 0.0
        self._holding = -1
        self._top_pose = (0.5, 0.0, 0.0)
        self._estimates = np.zeros((len(SOCKET_XY), 3))
        self._steps = 0
        self._potential = 0.0
        self._seated = 0
        self._pressing = 0.0

    # ------------------------------------------------------------------ gymnasium

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        rng = self.np_random
        mujoco.mj_resetData(self.model, self.data)
        self.data.qpos[self._arm] = HOME_QPOS
        self.data.qpos[self._fingers] = 0.04
        self.data.ctrl[:] = 0.04
        self.data.eq_active[self._grasps] = 0
        self._top_pose = (
            0.5 + float(rng.uniform(-0.03, 0.03)),
            float(rng.uniform(-0.03, 0.03)),
            float(rng.uniform(-0.3, 0.3)),
        )
        x, y, yaw = self._top_pose
        self.data.mocap_pos[self._top_mocap] = (x, y, TOP_HALF[2])
        self.data.mocap_quat[self._top_mocap] = yaw_quat(yaw)
        error = np.clip(
            rng.normal(0.0, ESTIMATE_ERROR, (len(SOCKET_XY), 2)), -ESTIMATE_ERROR_CAP, ESTIMATE_ERROR_CAP
        )
        self._estimates = self._true_sockets().copy()
        self._estimates[:, :2] += error
        for qpos, (lx, ly, lyaw) in zip(self._leg_qpos, self.task.leg_starts(rng), strict=True):
            self.data.qpos[qpos : qpos + 3] = (lx, ly, LEG_HALF[2])
            self.data.qpos[qpos + 3 : qpos + 7] = yaw_quat(lyaw)
        mujoco.mj_forward(self.model, self.data)
        self._home_quat = self.data.xquat[self._hand].copy()
        self._goal = self.data.site_xpos[self._site].copy()
        self._yaw = 0.0
        self._holding = -1
        self._place_target()
        mujoco.mj_forward(self.model, self.data)
        self._steps = 0
        info = self._info()
        self._potential = self._potential_of(info)
        self._seated = info["n_seated"]
        self._pressing = 0.0
        return self._obs(info), info

    def step(self, action: Any):
        dx, dy, dz, dyaw, grip = np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0)
        tip = self.data.site_xpos[self._site]
        goal = self._goal + MAX_MOVE * np.array([dx, dy, dz])
        goal = np.clip(goal, tip - MAX_LAG, tip + MAX_LAG)
        if self._holding >= 0 and self._pressing > PRESS_LIMIT:
            goal[2] = max(goal[2], tip[2])  # force-guarded: press no harder
        self._goal = np.clip(goal, [r[0] for r in WORKSPACE], [r[1] for r in WORKSPACE])
        self._yaw = float(np.clip(self._yaw + MAX_TURN * dyaw, -MAX_YAW, MAX_YAW))
        if grip > 0.5 and self._holding < 0:
            self._grasp()
        elif grip < -0.5 and self._holding >= 0:
            self.data.eq_active[self._grasps[self._holding]] = 0
            self._holding = -1
            self.data.ctrl[:] = 0.04
        self._place_target()
        mujoco.mj_step(self.model, self.data, nstep=SUBSTEPS)
        self._steps += 1
        info = self._info()
        potential = self._potential_of(info)
        reward = 10.0 * (potential - self._potential) + SEAT_BONUS * (info["n_seated"] - self._seated)
        self._potential, self._seated = potential, info["n_seated"]
        self._pressing = info["contact_force"] if info["target_leg"] == self._holding else 0.0
        terminated = bool(info["is_success"])
        truncated = self._steps >= self.max_episode_steps and not terminated
        return self._obs(info), float(reward), terminated, truncated, info

    def render(self) -> np.ndarray | None:
        """An RGB frame from the front camera (``render_mode="rgb_array"``)."""
        if self.render_mode != "rgb_array":
            return None
        if self._renderer is None:
            self._renderer = mujoco.Renderer(self.model, *FRAME_SIZE)
        self._renderer.update_scene(self.data, camera="front")
        return self._renderer.render()

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    # ------------------------------------------------------------------ control

    def _place_target(self) -> None:
        """Put the hand's mocap target where the fingertips should be, at the commanded yaw."""
        quat = np.zeros(4)
        mujoco.mju_mulQuat(quat, yaw_quat(self._yaw), self._home_quat)
        self.data.mocap_pos[self._target_mocap] = self._goal + np.array([0.0, 0.0, FINGERTIP])
        self.data.mocap_quat[self._target_mocap] = quat

    def _grasp(self) -> None:
        """Close the fingers; weld the leg between them (if any) to the hand where it is now."""
        tip = self.data.site_xpos[self._site]
        for index, body in enumerate(self._legs):
            top, axis = self._leg_ends(body)[1], self.data.xmat[body].reshape(3, 3)[:, 2]
            along = float(np.dot(top - tip, axis if axis[2] >= 0 else -axis))
            offset = tip - top + along * (axis if axis[2] >= 0 else -axis)
            if abs(axis[2]) > 0.9 and 0.0 <= along <= 0.08 and np.linalg.norm(offset[:2]) < GRASP_REACH:
                hand_pos, hand_quat = self.data.xpos[self._hand], self.data.xquat[self._hand]
                inverse = np.zeros(4)
                mujoco.mju_negQuat(inverse, hand_quat)
                relpos = np.zeros(3)
                mujoco.mju_rotVecQuat(relpos, self.data.xpos[body] - hand_pos, inverse)
                relquat = np.zeros(4)
                mujoco.mju_mulQuat(relquat, inverse, self.data.xquat[body])
                eq = self._grasps[index]
                self.model.eq_data[eq, 0:3] = 0.0
                self.model.eq_data[eq, 3:6] = relpos
                self.model.eq_data[eq, 6:10] = relquat
                self.data.eq_active[eq] = 1
                self._holding = index
                self.data.ctrl[:] = LEG_HALF[0]
                return
        self.data.ctrl[:] = 0.0

    # ------------------------------------------------------------------ state

    def _leg_ends(self, body: int) -> tuple[np.ndarray, np.ndarray]:
        """(lower end, upper end) of a leg's axis, world coordinates."""
        axis = self.data.xmat[body].reshape(3, 3)[:, 2] * LEG_HALF[2]
        a, b = self.data.xpos[body] - axis, self.data.xpos[body] + axis
        return (a, b) if a[2] <= b[2] else (b, a)

    def _true_sockets(self) -> np.ndarray:
        x, y, yaw = self._top_pose
        c, s = math.cos(yaw), math.sin(yaw)
        return np.array([(x + c * sx - s * sy, y + s * sx + c * sy, SEAT_Z) for sx, sy in SOCKET_XY])

    def _seating(self) -> list[int]:
        """For each leg, the socket it is seated in, or -1."""
        sockets = self._true_sockets()
        seats = []
        for body in self._legs:
            bottom = self._leg_ends(body)[0]
            tilt = math.acos(min(1.0, abs(float(self.data.xmat[body][8]))))
            near = np.linalg.norm(sockets[:, :2] - bottom[:2], axis=1)
            socket = int(np.argmin(near))
            ok = near[socket] < 0.01 and bottom[2] <= SEAT_Z + SEAT_TOLERANCE and tilt <= UPRIGHT_TOLERANCE
            seats.append(socket if ok else -1)
        return seats

    def _targets(self, seats: list[int]) -> tuple[int, int]:
        """The leg to work on (the held one, else the unseated leg nearest the fingertips) and the free
        socket nearest to it (by the estimates)."""
        free = [s for s in range(len(SOCKET_XY)) if s not in seats]
        if self._holding >= 0:
            leg = self._holding
        else:
            loose = [i for i, s in enumerate(seats) if s < 0] or list(range(len(self._legs)))
            tip = self.data.site_xpos[self._site]
            leg = min(loose, key=lambda i: float(np.linalg.norm(self.data.xpos[self._legs[i]] - tip)))
        if seats[leg] >= 0:
            return leg, seats[leg]
        bottom = self._leg_ends(self._legs[leg])[0]
        socket = min(free, key=lambda s: float(np.linalg.norm(self._estimates[s, :2] - bottom[:2])))
        return leg, socket

    def _contact(self, leg: int) -> tuple[np.ndarray, float]:
        """Force-weighted centre of the leg's contacts with the tabletop, relative to the leg's lower end
        (x, y), and their total normal force (N)."""
        geom = self._leg_geoms[leg]
        force = np.zeros(6)
        total, centre = 0.0, np.zeros(2)
        for i in range(self.data.ncon):
            contact = self.data.contact[i]
            other = contact.geom2 if contact.geom1 == geom else contact.geom1 if contact.geom2 == geom else -1
            if other not in self._top_geoms:
                continue
            mujoco.mj_contactForce(self.model, self.data, i, force)
            total += abs(force[0])
            centre += abs(force[0]) * contact.pos[:2]
        if total <= 1e-9:
            return np.zeros(2), 0.0
        return centre / total - self._leg_ends(self._legs[leg])[0][:2], total

    def _info(self) -> dict[str, Any]:
        seats = self._seating()
        leg, socket = self._targets(seats)
        tip = self.data.site_xpos[self._site]
        bottoms, tops, yaws, tilts = [], [], [], []
        for body in self._legs:
            bottom, top = self._leg_ends(body)
            xmat = self.data.xmat[body].reshape(3, 3)
            bottoms.append([float(v) for v in bottom])
            tops.append([float(v) for v in top])
            yaws.append(wrap_quarter(math.atan2(xmat[1, 0], xmat[0, 0])))
            tilts.append(math.acos(min(1.0, abs(float(xmat[2, 2])))))
        axis = self.data.xmat[self._legs[leg]].reshape(3, 3)[:, 2]
        axis = axis if axis[2] >= 0 else -axis
        offset, force = self._contact(leg)
        seated = sum(s >= 0 for s in seats)
        return {
            "fingertips": [float(v) for v in tip],
            "hand_yaw": self._yaw,
            "holding": self._holding,
            "leg_bottoms": bottoms,
            "leg_tops": tops,
            "leg_yaws": yaws,
            "leg_tilts": tilts,
            "seated_in": seats,
            "socket_estimates": [[float(v) for v in p] for p in self._estimates],
            "socket_yaw": self._top_pose[2],
            "target_leg": leg,
            "target_socket": socket,
            "leg_axis": [float(v) for v in axis],
            "contact_offset": [float(v) for v in offset],
            "contact_force": float(force),
            "n_seated": int(seated),
            "legs_needed": self.task.legs,
            "is_success": bool(seated >= self.task.legs),
        }

    def _potential_of(self, info: dict[str, Any]) -> float:
        leg, socket = info["target_leg"], info["target_socket"]
        bottom = np.array(info["leg_bottoms"][leg])
        reach = 0.0
        if info["holding"] < 0 and info["seated_in"][leg] < 0:
            reach = float(np.linalg.norm(self._grasp_point(info, leg) - np.array(info["fingertips"])))
        return -reach - float(np.linalg.norm(bottom - self._true_sockets()[socket]))

    @staticmethod
    def _grasp_point(info: dict[str, Any], leg: int) -> np.ndarray:
        top = np.array(info["leg_tops"][leg])
        bottom = np.array(info["leg_bottoms"][leg])
        return top + (bottom - top) * (0.03 / (2 * LEG_HALF[2]))

    def _obs(self, info: dict[str, Any]) -> np.ndarray:
        leg, socket = info["target_leg"], info["target_socket"]
        tip = np.array(info["fingertips"])
        rel = (np.array(info["leg_bottoms"][leg]) - np.array(info["socket_estimates"][socket])) / 0.05
        reach = (self._grasp_point(info, leg) - tip) / 0.1
        axis = info["leg_axis"]
        offset = np.array(info["contact_offset"]) / LEG_HALF[0]
        values = [
            (tip[0] - 0.5) / 0.3,
            tip[1] / 0.3,
            tip[2] / 0.3,
            math.sin(info["hand_yaw"]),
            math.cos(info["hand_yaw"]),
            float(info["holding"] >= 0),
            *rel,
            wrap_quarter(info["leg_yaws"][leg] - info["socket_yaw"]) / (math.pi / 4),
            5 * axis[0],
            5 * axis[1],
            *offset,
            info["contact_force"] / 10.0,
            *reach,
            info["n_seated"] / self.task.legs,
        ]
        return np.clip(np.array(values, dtype=np.float32), -5.0, 5.0)


def make_env(
    task: str | None = None,
    obs_mode: str = "symbolic",
    max_episode_steps: int | None = None,
    render_mode: str | None = None,
) -> FurnitureEnv:
    """Gymnasium factory of the furniture environment (the spec's entry point)."""
    return FurnitureEnv(
        task=task, obs_mode=obs_mode, max_episode_steps=max_episode_steps, render_mode=render_mode
    )
