"""Steps per second of the furniture environment, and the cost of a reset and of a frame.

Run: ``OMP_NUM_THREADS=1 python environments/rlgpt-furniture/benchmarks/steps_per_second.py [steps]``.
Plays ``steps`` (default 3000) seeded random actions per task (reset ``k`` uses seed ``k``), best of
three runs; steps, resets and frames are timed apart. Times are CPU seconds of this process
(``time.process_time``), so other work on a shared machine disturbs the numbers less.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from rlgpt_furniture.env import FurnitureEnv
from rlgpt_furniture.model import SUBSTEPS, TIMESTEP


def measure(task: str, steps: int) -> tuple[float, float]:
    """Environment steps per second and milliseconds per reset for ``task`` (episodes end on success or
    after the task's budget)."""
    env = FurnitureEnv(task)
    actions = np.random.default_rng(0).uniform(-1, 1, size=(steps, 5)).astype(np.float32)
    env.reset(seed=0)
    step_time = reset_time = 0.0
    resets = 0
    for action in actions:
        start = time.process_time()
        _, _, terminated, truncated, _ = env.step(action)
        step_time += time.process_time() - start
        if terminated or truncated:
            resets += 1
            start = time.process_time()
            env.reset(seed=resets)
            reset_time += time.process_time() - start
    return steps / step_time, 1000 * reset_time / max(resets, 1)


def frame_ms(frames: int = 50) -> float:
    """Milliseconds per 320x240 frame (headless, ``MUJOCO_GL=egl`` unless set)."""
    env = FurnitureEnv("assemble_table", render_mode="rgb_array")
    env.reset(seed=0)
    env.render()  # creates the GL context
    start = time.perf_counter()
    for _ in range(frames):
        env.step(np.zeros(5, dtype=np.float32))
        env.render()
    elapsed = time.perf_counter() - start
    env.close()
    return 1000 * elapsed / frames


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    print(f"one env step = {SUBSTEPS} physics steps of {TIMESTEP} s (implicitfast)")
    for task in ("insert_one_leg", "assemble_table"):
        runs = [measure(task, steps) for _ in range(3)]
        best = max(runs, key=lambda run: run[0])
        print(
            f"{task}: {best[0]:.0f} env steps/s ({best[0] * SUBSTEPS:.0f} physics steps/s), "
            f"{best[1]:.1f} ms per reset"
        )
    print(f"frames: {frame_ms():.1f} ms per 320x240 frame (wall clock, including one env step)")


if __name__ == "__main__":
    main()
