"""The driving skill API (what generated code may call) and ``describe`` (what the critic reads)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from rlgpt import SkillAPI


class DrivingSkills(SkillAPI):
    """Drive a car along a road walled on both sides. Road-relative readings are free; `drive` and
    `reverse` take environment steps of 0.1 s each. Angles are radians, distances metres, and
    positive lateral offsets, heading errors, curvatures and steering all mean "to the left"."""

    def pose(self) -> tuple[float, float, float]:
        """World (x, y, yaw) of the car's centre; yaw in radians."""
        x, y = self.info["position"]
        return float(x), float(y), float(self.info["yaw"])

    def speed(self) -> float:
        """Forward speed in m/s (negative while reversing); top speed 4 m/s forward, 2 m/s reverse."""
        return float(self.info["speed"])

    def heading_error(self) -> float:
        """Car heading minus the road's heading at the car (radians, in [-pi, pi)); 0 means along the road,
        positive means pointing to the left of it."""
        return float(self.info["heading_error"])

    def lateral_offset(self) -> float:
        """Distance of the car's centre from the road's centreline (metres, positive = left)."""
        return float(self.info["lateral_offset"])

    def road_half_width(self) -> float:
        """Metres from the centreline to each wall (the car is 1.1 m wide and 1.8 m long)."""
        return float(self.info["half_width"])

    def curvature_ahead(self, distance: float = 5.0) -> float:
        """Road curvature (1/m, positive = bends left) `distance` metres ahead along the road, interpolated
        between the car (0 m) and 2, 5 and 10 m ahead; 1/curvature is the bend's radius (at least 8 m)."""
        lookahead = [0.0, *self.info["lookahead"]]
        values = [self.info["curvature_ahead"][0], *self.info["curvature_ahead"]]
        return float(np.interp(distance, lookahead, values))

    def progress(self) -> float:
        """Metres travelled along the road from its start (the car's projection onto the centreline)."""
        return float(self.info["progress"])

    def distance_to_goal(self) -> float:
        """Metres along the road still to go to the goal."""
        return float(self.info["goal"] - self.info["progress"])

    def clearance_ahead(self) -> float:
        """Metres from the front bumper to the nearest wall straight ahead (10 when none is that close)."""
        return float(self.info["clearance_ahead"])

    def touching_edge(self) -> bool:
        """True while the car touches a wall at the road's edge."""
        return bool(self.info["touching_edge"])

    def drive(self, throttle: float, steer: float, steps: int = 1) -> int:
        """Hold throttle (-1..1; negative reverses, 0 brakes) and steer (-1..1, the front wheels' angle as a
        fraction of 0.5 rad; positive turns left when driving forward) for `steps` steps; returns the steps
        taken (fewer when the episode ends)."""
        action = np.array([throttle, steer], dtype=np.float32)
        taken = 0
        for _ in range(max(0, int(steps))):
            if self.episode_over:
                break
            self.act(action)
            taken += 1
        return taken

    def reverse(self, steps: int = 10, steer: float = 0.0) -> int:
        """Back up at full reverse throttle for `steps` steps with the front wheels at `steer` (as in `drive`:
        reversing with positive steer swings the nose to the right); returns the steps taken."""
        return self.drive(-1.0, steer, steps)


def describe(obs: Any, info: Mapping[str, Any]) -> str:
    """The car's situation in words, for critics."""
    bend = info["curvature_ahead"][1]
    if abs(bend) < 1e-6:
        road = "the road is straight 5 m ahead"
    else:
        road = f"5 m ahead the road bends {'left' if bend > 0 else 'right'} (radius {1 / abs(bend):.0f} m)"
    lateral = info["lateral_offset"]
    heading = math.degrees(info["heading_error"])
    text = (
        f"{info['progress']:.1f} m along the road (goal at {info['goal']:.1f} m); "
        f"{abs(lateral):.2f} m {'left' if lateral >= 0 else 'right'} of the centreline "
        f"(walls at {info['half_width']:.1f} m); heading {abs(heading):.0f} deg "
        f"{'left' if heading >= 0 else 'right'} of the road; speed {info['speed']:.1f} m/s; {road}; "
        f"clearance ahead {info['clearance_ahead']:.1f} m"
    )
    if info.get("touching_edge"):
        text += "; touching a wall"
    if info.get("left_road"):
        text += "; hit the wall (episode over)"
    if info.get("is_success"):
        text += "; reached the goal"
    return text
