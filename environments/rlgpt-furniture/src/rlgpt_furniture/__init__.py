"""Furniture assembly with a Franka arm on MuJoCo, as an rlgpt environment plugin."""

import os
import sys

if sys.platform.startswith("linux"):
    # headless rendering; set here, before any module of the package imports mujoco (which reads it once)
    os.environ.setdefault("MUJOCO_GL", "egl")
