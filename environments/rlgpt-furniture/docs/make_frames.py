"""Writes the README's two frames: assemble_table at its start, and insert_one_leg with the leg aligned over
a socket.

Run: ``python environments/rlgpt-furniture/docs/make_frames.py`` (headless: ``MUJOCO_GL=egl`` unless set).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from rlgpt import Actuator
from rlgpt_furniture.env import make_env
from rlgpt_furniture.skills import FurnitureSkills

HERE = Path(__file__).parent


def main() -> None:
    env = make_env(task="assemble_table", render_mode="rgb_array")
    env.reset(seed=0)
    Image.fromarray(env.render()).save(HERE / "assemble_table.png")
    env.close()
    env = make_env(task="insert_one_leg", render_mode="rgb_array")
    obs, info = env.reset(seed=0)
    api = FurnitureSkills(Actuator(env.step, obs, info))
    api.grasp(0)
    api.lift(0.15)
    api.align(api.nearest_free_socket())
    Image.fromarray(env.render()).save(HERE / "insert_one_leg.png")
    env.close()


if __name__ == "__main__":
    main()
