"""Writes the README's two frames: follow_road after 4 s of lane keeping, and recover's start.

Run: ``python environments/rlgpt-driving/docs/make_frames.py`` (headless: ``MUJOCO_GL=egl`` unless set).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from rlgpt_driving.env import make_env

HERE = Path(__file__).parent


def lane_keeping(info: dict) -> np.ndarray:
    """The README's lane-keeping rule at 80% throttle."""
    wheel = -0.5 * info["lateral_offset"] - 1.2 * info["heading_error"] + 1.4 * info["curvature_ahead"][1]
    return np.array([0.8, np.clip(wheel / 0.5, -1.0, 1.0)], dtype=np.float32)


def main() -> None:
    env = make_env(task="follow_road", render_mode="rgb_array")
    _, info = env.reset(seed=3)
    for _ in range(40):
        *_, info = env.step(lane_keeping(info))
    Image.fromarray(env.render()).save(HERE / "follow_road.png")
    env.close()
    env = make_env(task="recover", render_mode="rgb_array")
    env.reset(seed=0)
    Image.fromarray(env.render()).save(HERE / "recover.png")
    env.close()


if __name__ == "__main__":
    main()
