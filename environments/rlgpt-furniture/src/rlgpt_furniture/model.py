"""The MJCF scene: gymnasium-robotics' Franka Panda over a work table, an upside-down tabletop with four
square leg sockets, and loose square legs.

The arm's links, meshes and joint limits come from the Franka assets that gymnasium-robotics ships (its
Franka Kitchen robot); the rest of the scene is written here. The hand follows a mocap target through a weld
(the arm's joints are passive and follow it, as in gymnasium-robotics' Fetch tasks); the arm and fingers
collide with nothing. A grasp is a second weld between the hand and a leg, switched on when the closing
fingers are around the leg; the held leg collides with the table, the tabletop and its sockets.
The tabletop is a mocap body too, so its pose changes per episode without recompiling.
"""

from __future__ import annotations

import importlib.util
import math
import re
from functools import cache
from pathlib import Path

import mujoco
import numpy as np

_ROBOTICS = importlib.util.find_spec("gymnasium_robotics")
if _ROBOTICS is None or _ROBOTICS.origin is None:
    raise ImportError(
        "rlgpt-furniture reads the Franka arm from gymnasium-robotics, which is not installed: "
        "pip install -c constraints.txt gymnasium-robotics"
    )
FRANKA_ASSETS = Path(_ROBOTICS.origin).parent / "envs" / "assets" / "kitchen_franka" / "franka_assets"
TIMESTEP = 0.002
SUBSTEPS = 10
"""Physics steps per environment step: one action lasts 0.02 s."""
LEG_HALF = (0.015, 0.015, 0.08)
"""Half sizes of a leg: a 3 cm square post, 16 cm long."""
CLEARANCE = 0.0015
"""Gap between a seated leg and each wall of its socket (metres)."""
SOCKET_DEPTH = 0.03
WALL = 0.008
"""Thickness of a socket's walls."""
TOP_HALF = (0.15, 0.10, 0.01)
"""Half sizes of the tabletop slab (lying upside down on the work table)."""
SOCKET_XY = ((0.11, 0.06), (0.11, -0.06), (-0.11, -0.06), (-0.11, 0.06))
"""Socket centres in the tabletop's frame."""
SEAT_Z = 2 * TOP_HALF[2]
"""Height of a socket's floor (the slab's upper face) above the work table."""
GRASP_BELOW_LEG_TOP = 0.03
"""Where the fingertip site sits on a grasped leg, below its top end."""
HOME_QPOS = (1.2552, -0.6718, -1.1413, -2.3893, -0.6628, 0.4062, 0.5134)
"""The arm's joint angles at reset: fingertips at (0.45, 0, 0.30), hand pointing straight down."""
ARM_DAMPING = 2.0
"""Damping of the arm's joints (N m s/rad): low, since they follow the hand rather than drive it."""
FINGERTIP = 0.21
"""Distance from the last link's origin to the fingertip site along the hand's axis."""


def _strip(text: str) -> str:
    """The body of a ``<mujocoinclude>`` file without its wrapper and comments."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    return re.sub(r"</?mujocoinclude>", "", text)


def _socket_walls(index: int, x: float, y: float) -> str:
    inner = LEG_HALF[0] + CLEARANCE
    half_len = inner + WALL
    z = SEAT_Z + SOCKET_DEPTH / 2
    walls = (
        (x + inner + WALL / 2, y, WALL / 2, half_len),
        (x - inner - WALL / 2, y, WALL / 2, half_len),
        (x, y + inner + WALL / 2, half_len, WALL / 2),
        (x, y - inner - WALL / 2, half_len, WALL / 2),
    )
    return "\n".join(
        f'<geom name="socket{index}_wall{k}" type="box" pos="{px:.5f} {py:.5f} {z - TOP_HALF[2]:.5f}" '
        f'size="{hx:.5f} {hy:.5f} {SOCKET_DEPTH / 2:.5f}" material="wood_dark" solref="0.004 1"/>'
        for k, (px, py, hx, hy) in enumerate(walls)
    )


def scene_xml(n_legs: int) -> str:
    """MJCF text of the scene with ``n_legs`` loose legs."""
    assets = _strip((FRANKA_ASSETS / "assets.xml").read_text())
    assets = re.sub(r'meshdir="[^"]*"', f'meshdir="{FRANKA_ASSETS / "meshes"}"', assets)
    assets = re.sub(r"<option[^>]*/>", "", assets)
    chain = _strip((FRANKA_ASSETS / "chain.xml").read_text())
    sockets = "\n".join(_socket_walls(i, x, y) for i, (x, y) in enumerate(SOCKET_XY))
    legs = "\n".join(
        f'<body name="leg{i}" pos="{0.3 + 0.1 * i} -0.3 {LEG_HALF[2]}">'
        f'<freejoint name="leg{i}"/>'
        f'<geom name="leg{i}" type="box" size="{LEG_HALF[0]} {LEG_HALF[1]} {LEG_HALF[2]}" mass="0.15" '
        f'material="wood" friction="0.6 0.01 0.001" solref="0.004 1"/></body>'
        for i in range(n_legs)
    )
    welds = "\n".join(
        f'<weld name="grasp{i}" body1="panda0_link7" body2="leg{i}" active="false" solref="0.004 1"/>'
        for i in range(n_legs)
    )
    return f"""
<mujoco model="rlgpt-furniture">
  {assets}
  <option timestep="{TIMESTEP}" integrator="implicitfast" gravity="0 0 -9.81"/>
  <visual>
    <quality shadowsize="0" offsamples="0"/>
    <global offwidth="640" offheight="480"/>
    <headlight ambient="0.45 0.45 0.45" diffuse="0.6 0.6 0.6" specular="0 0 0"/>
  </visual>
  <asset>
    <material name="wood" rgba="0.78 0.6 0.38 1"/>
    <material name="wood_dark" rgba="0.55 0.38 0.22 1"/>
    <material name="table" rgba="0.82 0.82 0.8 1"/>
  </asset>
  <worldbody>
    <geom name="floor" type="plane" size="3 3 0.1" pos="0 0 -0.75" rgba="0.4 0.42 0.45 1"/>
    <geom name="table" type="box" size="0.6 0.6 0.02" pos="0.45 0 -0.02" material="table"/>
    <camera name="front" pos="1.35 0 0.65" xyaxes="0 1 0 -0.45 0 0.9"/>
    <camera name="top" pos="0.5 0 1.0" xyaxes="0 -1 0 1 0 0"/>
    <body name="robot" pos="0 0 0">
      {chain}
    </body>
    <body name="target" mocap="true" pos="0.45 0 0.3"/>
    <body name="tabletop" mocap="true" pos="0.5 0 {TOP_HALF[2]}">
      <geom name="slab" type="box" size="{TOP_HALF[0]} {TOP_HALF[1]} {TOP_HALF[2]}" material="wood"/>
      {sockets}
    </body>
    {legs}
  </worldbody>
  <equality>
    <weld name="hand" body1="target" body2="panda0_link7" solref="0.01 1"/>
    {welds}
  </equality>
  <actuator>
    <position name="finger_left" joint="robot:panda0_finger_joint1" kp="200" ctrlrange="0 0.04"/>
    <position name="finger_right" joint="robot:panda0_finger_joint2" kp="200" ctrlrange="0 0.04"/>
  </actuator>
</mujoco>
"""


@cache
def _compiled(n_legs: int) -> mujoco.MjModel:
    model = mujoco.MjModel.from_xml_string(scene_xml(n_legs))
    robot = model.body("robot").id
    arm = [b for b in range(model.nbody) if _descends(model, b, robot)]
    model.body_gravcomp[arm] = 1.0
    for geom in range(model.ngeom):
        if int(model.geom_bodyid[geom]) in arm:
            model.geom_contype[geom] = 0
            model.geom_conaffinity[geom] = 0
    for joint in range(model.njnt):
        if int(model.jnt_bodyid[joint]) in arm and model.jnt_type[joint] == mujoco.mjtJoint.mjJNT_HINGE:
            model.dof_damping[model.jnt_dofadr[joint]] = ARM_DAMPING
    return model


def _descends(model: mujoco.MjModel, body: int, ancestor: int) -> bool:
    """Whether ``body`` is ``ancestor`` or hangs below it."""
    while body > 0:
        if body == ancestor:
            return True
        body = int(model.body_parentid[body])
    return False


def build(n_legs: int) -> mujoco.MjModel:
    """A fresh copy of the compiled scene with ``n_legs`` legs (each environment mutates its own)."""
    return _compiled(n_legs).__copy__()


def yaw_quat(yaw: float) -> np.ndarray:
    """Unit quaternion (w, x, y, z) of a rotation by ``yaw`` about +z."""
    return np.array([math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2)])
