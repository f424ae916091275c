"""rlgpt-driving: a MuJoCo car on a procedurally generated winding road, as an rlgpt environment."""

import os
import sys

if sys.platform.startswith("linux"):
    # headless rendering; set here, before any module of the package imports mujoco (which reads it once)
    os.environ.setdefault("MUJOCO_GL", "egl")
