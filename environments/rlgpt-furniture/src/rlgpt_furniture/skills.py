"""The furniture skill API (what generated code may call) and ``describe`` (what the critic reads)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from rlgpt import SkillAPI

from rlgpt_furniture.env import MAX_MOVE, MAX_TURN, wrap_quarter
from rlgpt_furniture.model import GRASP_BELOW_LEG_TOP, LEG_HALF, SEAT_Z, SOCKET_DEPTH

RIM_Z = SEAT_Z + SOCKET_DEPTH
"""Height of the sockets' rims above the work table (metres)."""
CARRY_Z = 2 * LEG_HALF[2] + 0.04
"""Height of a carried leg's lower end while it moves sideways: above the standing legs' tops."""


class FurnitureSkills(SkillAPI):
    """A Franka arm above a work table (z = 0 is its top; metres, radians). An upside-down tabletop lies on
    it with four square sockets (numbered 0-3) whose floors are 2 cm and rims 5 cm above the table; square
    legs (numbered from 0, 16 cm long, 3 cm thick) stand loose beside it. A leg fits its socket with 1.5 mm to
    spare on each side, but the socket positions reported here are estimates off by a few millimetres, so a
    leg lowered straight onto an estimate often rests on the rim: the contact readings tell where it touches.
    Readings are free; `step`, `move_to`, `grasp`, `release`, `lift`, `align` and `insert` take environment
    steps of 0.02 s."""

    # ---------------------------------------------------------------- readings

    def fingertips(self) -> tuple[float, float, float]:
        """World (x, y, z) of the point between the fingertips."""
        x, y, z = self.info["fingertips"]
        return float(x), float(y), float(z)

    def hand_yaw(self) -> float:
        """The hand's turn about the vertical (radians, 0 at the start, within +-1.6)."""
        return float(self.info["hand_yaw"])

    def holding(self) -> int:
        """Index of the leg in the hand, or -1."""
        return int(self.info["holding"])

    def n_legs(self) -> int:
        """How many legs the task has (all must be seated)."""
        return len(self.info["leg_bottoms"])

    def loose_legs(self) -> list[int]:
        """Indices of the legs not seated in a socket."""
        return [i for i, s in enumerate(self.info["seated_in"]) if s < 0]

    def free_sockets(self) -> list[int]:
        """Indices of the sockets no leg is seated in."""
        return [s for s in range(4) if s not in self.info["seated_in"]]

    def seated_in(self, leg: int) -> int:
        """The socket leg ``leg`` is seated in (upright, lower end on the socket's floor), or -1."""
        return int(self.info["seated_in"][leg])

    def leg_bottom(self, leg: int) -> tuple[float, float, float]:
        """World (x, y, z) of the centre of leg ``leg``'s lower end."""
        x, y, z = self.info["leg_bottoms"][leg]
        return float(x), float(y), float(z)

    def leg_top(self, leg: int) -> tuple[float, float, float]:
        """World (x, y, z) of the centre of leg ``leg``'s upper end."""
        x, y, z = self.info["leg_tops"][leg]
        return float(x), float(y), float(z)

    def leg_yaw(self, leg: int) -> float:
        """Leg ``leg``'s turn about the vertical, modulo 90 degrees (radians, in [-pi/4, pi/4))."""
        return float(self.info["leg_yaws"][leg])

    def leg_tilt(self, leg: int) -> float:
        """How far leg ``leg`` leans from vertical (radians)."""
        return float(self.info["leg_tilts"][leg])

    def socket_estimate(self, socket: int) -> tuple[float, float, float]:
        """Estimated world (x, y, z) of the centre of socket ``socket``'s floor (x and y off by a few mm)."""
        x, y, z = self.info["socket_estimates"][socket]
        return float(x), float(y), float(z)

    def socket_yaw(self) -> float:
        """The tabletop's (and every socket's) turn about the vertical (radians)."""
        return float(self.info["socket_yaw"])

    def nearest_free_socket(self) -> int:
        """The free socket whose estimate is nearest (horizontally) to the held leg, or to the fingertips
        when no leg is held; -1 when none is free."""
        free = self.free_sockets()
        if not free:
            return -1
        held = self.holding()
        x, y, _ = self.leg_bottom(held) if held >= 0 else self.fingertips()
        return min(
            free, key=lambda s: math.hypot(self.socket_estimate(s)[0] - x, self.socket_estimate(s)[1] - y)
        )

    def contact_force(self) -> float:
        """Force (newtons) with which the target leg (the held one, else the loose leg nearest the hand)
        pushes on the tabletop; 0 when it does not touch it."""
        return float(self.info["contact_force"])

    def contact_offset(self) -> tuple[float, float]:
        """Where the target leg touches the tabletop: the force-weighted centre of its contacts minus the
        centre of its lower end (x, y metres; (0, 0) without contact). Resting on a socket's rim, this points
        towards the rim, away from the opening."""
        x, y = self.info["contact_offset"]
        return float(x), float(y)

    # ---------------------------------------------------------------- actions

    def step(
        self, dx: float = 0.0, dy: float = 0.0, dz: float = 0.0, dyaw: float = 0.0, grip: float = 0.0
    ) -> None:
        """One raw step: move the fingertip target by (dx, dy, dz) x 1 cm and turn it by dyaw x 0.08 rad
        (each in -1..1); grip > 0.5 closes the fingers (grasping a leg between them), < -0.5 opens them."""
        self.act(np.array([dx, dy, dz, dyaw, grip], dtype=np.float32))

    def move_to(
        self,
        x: float,
        y: float,
        z: float,
        yaw: float | None = None,
        tolerance: float = 0.001,
        max_steps: int = 100,
    ) -> bool:
        """Move the fingertips to (x, y, z) (and the hand to ``yaw``, if given), at most 1 cm per step; True
        once within ``tolerance`` metres (and 0.01 rad), False when ``max_steps`` ran out or the episode
        ended. A held leg that meets the tabletop stops the hand (the move is force-guarded)."""
        goal = np.array([x, y, z], dtype=np.float64)
        return self._servo(lambda: goal - np.array(self.fingertips()), yaw, tolerance, max_steps)

    def grasp(self, leg: int) -> bool:
        """Open the hand, move above leg ``leg``, turn to its yaw, lower the fingertips to 3 cm below its
        upper end and close; True when the leg is then held (it must be standing roughly upright)."""
        if self.holding() >= 0:
            self.release()
        x, y, z = self.leg_top(leg)
        yaw = self._nearest_yaw(self.leg_yaw(leg))
        self.move_to(
            *self.fingertips()[:2], max(z + 0.06, self.fingertips()[2]), tolerance=0.005, max_steps=40
        )
        self.move_to(x, y, z + 0.06, yaw=yaw, tolerance=0.003)
        self.move_to(x, y, z - GRASP_BELOW_LEG_TOP, yaw=yaw, tolerance=0.002, max_steps=60)
        if not self.episode_over:
            self.step(grip=1.0)
        return self.holding() == leg

    def release(self) -> None:
        """Open the fingers (dropping a held leg where it is)."""
        if not self.episode_over:
            self.step(grip=-1.0)

    def lift(self, height: float = 0.2) -> bool:
        """Raise the fingertips straight up to ``height`` metres above the table (never lowers them)."""
        x, y, z = self.fingertips()
        return self.move_to(x, y, max(height, z), tolerance=0.005)

    def align(self, socket: int, clearance: float = 0.01) -> bool:
        """With a leg held: raise it until its lower end clears the standing legs (20 cm), carry it over the
        socket's estimate turned to the socket's yaw, and lower it until its lower end is ``clearance``
        metres above the rim, straight over the estimate (within 0.5 mm); True once there."""
        leg = self.holding()
        if leg < 0:
            return False
        turn = wrap_quarter(self.socket_yaw() - self.leg_yaw(leg))
        yaw = self.hand_yaw() + turn
        sx, sy, _ = self.socket_estimate(socket)
        goal = np.array([sx, sy, RIM_Z + clearance])
        carry = max(CARRY_Z, self.leg_bottom(leg)[2])
        self._servo(lambda: np.array([0.0, 0.0, carry - self.leg_bottom(leg)[2]]), None, 0.005, 40)
        self._servo(lambda: np.array([sx, sy, carry]) - np.array(self.leg_bottom(leg)), yaw, 0.003, 100)
        self._servo(
            lambda: goal + np.array([0.0, 0.0, 0.03]) - np.array(self.leg_bottom(leg)), yaw, 0.002, 60
        )
        return self._servo(lambda: goal - np.array(self.leg_bottom(leg)), yaw, 0.0005, 60)

    def insert(self, max_steps: int = 40) -> bool:
        """Lower the held leg straight down (keeping its lower end on the vertical line it starts on),
        force-guarded, until it is seated or has pressed on the tabletop for 5 steps without going lower;
        True when seated (the leg stays in the hand)."""
        leg = self.holding()
        if leg < 0:
            return False
        blocked = 0
        line = np.array(self.leg_bottom(leg)[:2])
        for _ in range(max_steps):
            if self.episode_over or self.seated_in(leg) >= 0:
                break
            before = self.leg_bottom(leg)[2]
            dx, dy = np.clip((line - np.array(self.leg_bottom(leg)[:2])) / MAX_MOVE, -1.0, 1.0)
            self.step(dx, dy, dz=-0.5)
            stuck = self.contact_force() > 1.0 and self.leg_bottom(leg)[2] > before - 0.0005
            blocked = blocked + 1 if stuck else 0
            if blocked >= 5:
                break
        return self.seated_in(leg) >= 0

    # ---------------------------------------------------------------- helpers

    def _nearest_yaw(self, yaw: float) -> float:
        """The hand yaw nearest to the current one that matches ``yaw`` modulo 90 degrees."""
        return self.hand_yaw() + wrap_quarter(yaw - self.hand_yaw())

    def _servo(self, error: Any, yaw: float | None, tolerance: float, max_steps: int) -> bool:
        for _ in range(max(0, int(max_steps))):
            if self.episode_over:
                return False
            delta = error()
            turn = 0.0 if yaw is None else yaw - self.hand_yaw()
            if np.abs(delta).max() <= tolerance and abs(turn) <= 0.01:
                return True
            move = np.clip(delta / MAX_MOVE, -1.0, 1.0)
            self.step(*move, dyaw=float(np.clip(turn / MAX_TURN, -1.0, 1.0)))
        return False


def describe(obs: Any, info: Mapping[str, Any]) -> str:
    """The assembly's state in words, for critics."""
    seated = [f"leg {i} in socket {s}" for i, s in enumerate(info["seated_in"]) if s >= 0]
    leg = info["target_leg"]
    socket = info["target_socket"]
    bottom = np.array(info["leg_bottoms"][leg])
    estimate = np.array(info["socket_estimates"][socket])
    gap = 1000 * float(np.linalg.norm(bottom[:2] - estimate[:2]))
    held = info["holding"]
    height = 1000 * (bottom[2] - SEAT_Z)
    lean = math.degrees(info["leg_tilts"][leg])
    parts = [
        f"{info['n_seated']} of {info['legs_needed']} legs seated"
        + (f" ({', '.join(seated)})" if seated else ""),
        f"holding leg {held}" if held >= 0 else "hand empty",
        f"leg {leg}'s lower end is {height:.0f} mm above the socket floors "
        f"(rims at {1000 * SOCKET_DEPTH:.0f} mm), "
        f"{gap:.1f} mm sideways from socket {socket}'s estimate, leaning {lean:.0f} deg",
    ]
    if info["contact_force"] > 1.0:
        dx, dy = (1000 * v for v in info["contact_offset"])
        parts.append(
            f"pressing on the tabletop with {info['contact_force']:.0f} N, contact centre "
            f"({dx:+.1f}, {dy:+.1f}) mm from the leg's axis"
        )
    if info["is_success"]:
        parts.append("assembled")
    return "; ".join(parts)
