"""The hand-written MJCF scene: a four-wheeled car, a ground plane, and a walled road.

The car is a box chassis on a free joint with four cylinder wheels: the front two turn about
vertical steering hinges (position servos) and roll freely, the rear two are driven (velocity
servos, so zero throttle brakes). Only the chassis touches the walls; only the wheels touch the
ground. The road's geometry changes per episode without recompiling: the scene holds a fixed
number of wall and surface boxes whose poses :func:`place_road` rewrites (the mid-phase, whose
bounding volumes are computed at compile time, is off; the world holds few collidable geoms).
"""

from __future__ import annotations

import math

import mujoco
import numpy as np

from rlgpt_driving.road import HALF_WIDTH, SAMPLE, Road

TIMESTEP = 0.02
"""Physics step (seconds); implicitfast keeps the stiff wheel contacts stable at this size."""
SUBSTEPS = 5
"""Physics steps per environment step: one action lasts 0.1 s."""
WHEEL_RADIUS = 0.2
MAX_FORWARD = 4.0
"""Top forward speed (m/s) at throttle 1."""
MAX_REVERSE = 2.0
"""Top reverse speed (m/s) at throttle -1."""
MAX_STEER = 0.5
"""Largest front-wheel angle (radians)."""
CHASSIS_HALF = (0.9, 0.55, 0.1)
WALL_HALF = (0.55, 0.15, 0.25)
"""Half sizes of one wall box (one per metre of each edge, slightly overlapping)."""
WALL_GROUP = 2
"""Geom group of the walls (what the clearance ray sees)."""
WALL_EVERY = round(1.0 / SAMPLE)

_WHEEL = """
      <body name="{name}" pos="{x} {y} -0.1">
        {steer}
        <body name="{name}_wheel">
          <joint name="{name}_roll" type="hinge" axis="0 1 0" damping="0.02" armature="0.01"/>
          <geom name="{name}_tyre" type="cylinder" size="{r} 0.07" zaxis="0 1 0" mass="2"
                rgba="0.1 0.1 0.1 1" contype="1" conaffinity="1" solref="0.04 1" friction="1.2 0.01 0.001"/>
        </body>
      </body>"""
_STEER = (
    '<joint name="{name}_steer" type="hinge" axis="0 0 1" range="-{s} {s}" damping="8" armature="0.1"/>'
    '\n        <inertial pos="0 0 0" mass="0.5" diaginertia="0.01 0.01 0.01"/>'
)


def scene_xml(road_samples: int) -> str:
    """MJCF text of the scene for a road of ``road_samples`` centreline samples."""
    walls = road_samples // WALL_EVERY
    wall = (
        '<geom name="wall_{side}_{i}" type="box" size="{h[0]} {h[1]} {h[2]}" pos="0 0 -5" group="2"'
        ' contype="0" conaffinity="2" rgba="0.85 0.85 0.8 1"/>'
    )
    tile = (
        '<geom name="tile_{i}" type="box" size="0.55 {w} 0.002" pos="0 0 -5"'
        ' contype="0" conaffinity="0" rgba="0.3 0.3 0.32 1"/>'
    )
    road_geoms = "\n    ".join(
        [wall.format(side=side, i=i, h=WALL_HALF) for side in ("left", "right") for i in range(walls)]
        + [tile.format(i=i, w=HALF_WIDTH) for i in range(walls)]
    )
    wheels = "".join(
        _WHEEL.format(
            name=name, x=x, y=y, r=WHEEL_RADIUS, steer=_STEER.format(name=name, s=MAX_STEER) if x > 0 else ""
        )
        for name, x, y in (("fl", 0.7, 0.45), ("fr", 0.7, -0.45), ("rl", -0.7, 0.45), ("rr", -0.7, -0.45))
    )
    cx, cy, cz = CHASSIS_HALF
    return f"""
<mujoco model="rlgpt-driving">
  <compiler angle="radian"/>
  <option timestep="{TIMESTEP}" integrator="implicitfast">
    <flag midphase="disable"/>
  </option>
  <visual>
    <quality shadowsize="0" offsamples="0"/>
    <global offwidth="640" offheight="480"/>
    <headlight ambient="0.5 0.5 0.5" diffuse="0.5 0.5 0.5"/>
  </visual>
  <worldbody>
    <geom name="ground" type="plane" size="300 300 0.1" rgba="0.35 0.55 0.3 1" contype="1" conaffinity="1"/>
    <geom name="finish" type="box" size="0.3 {HALF_WIDTH} 0.003" pos="0 0 -5" contype="0" conaffinity="0"
          rgba="0.95 0.95 0.95 1"/>
    {road_geoms}
    <body name="car" pos="0 0 0.32">
      <freejoint name="car"/>
      <geom name="chassis" type="box" size="{cx} {cy} {cz}" mass="60" contype="2" conaffinity="0"
            rgba="0.75 0.12 0.1 1"/>
      <geom name="cabin" type="box" size="0.4 0.45 0.12" pos="-0.15 0 0.22" mass="5" contype="2"
            conaffinity="0" rgba="0.6 0.75 0.9 1"/>
      <camera name="chase" pos="-6 0 3.5" xyaxes="0 -1 0 0.45 0 0.9"/>
      {wheels}
    </body>
  </worldbody>
  <actuator>
    <position name="steer_left" joint="fl_steer" kp="150" ctrlrange="-{MAX_STEER} {MAX_STEER}"/>
    <position name="steer_right" joint="fr_steer" kp="150" ctrlrange="-{MAX_STEER} {MAX_STEER}"/>
    <velocity name="drive_left" joint="rl_roll" kv="8" forcerange="-25 25"/>
    <velocity name="drive_right" joint="rr_roll" kv="8" forcerange="-25 25"/>
  </actuator>
</mujoco>
"""


def build(road_samples: int) -> mujoco.MjModel:
    """Compile the scene for roads of ``road_samples`` samples."""
    return mujoco.MjModel.from_xml_string(scene_xml(road_samples))


def place_road(model: mujoco.MjModel, road: Road, finish: float) -> None:
    """Move the wall and surface boxes onto ``road`` and the finish line to arc length ``finish``."""
    wall_offset = HALF_WIDTH + WALL_HALF[1]
    n_walls = len(road.points) // WALL_EVERY
    for i in range(n_walls):
        s = (i + 0.5) * WALL_EVERY * SAMPLE
        for side, name in ((1, "left"), (-1, "right")):
            x, y, heading = road.pose_at(s, side * wall_offset)
            _place(model, f"wall_{name}_{i}", x, y, WALL_HALF[2], heading)
        x, y, heading = road.pose_at(s)
        _place(model, f"tile_{i}", x, y, 0.002, heading)
    x, y, heading = road.pose_at(finish)
    _place(model, "finish", x, y, 0.004, heading)


def _place(model: mujoco.MjModel, name: str, x: float, y: float, z: float, yaw: float) -> None:
    geom = model.geom(name)
    geom.pos[:] = (x, y, z)
    geom.quat[:] = yaw_quat(yaw)


def yaw_quat(yaw: float) -> np.ndarray:
    """Unit quaternion (w, x, y, z) of a rotation by ``yaw`` about +z."""
    return np.array([math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2)])
