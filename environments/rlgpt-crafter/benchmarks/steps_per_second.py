"""Steps per second: stock Crafter vs rlgpt-crafter's symbolic and pixel modes, side by side.

Run: ``OMP_NUM_THREADS=1 python environments/rlgpt-crafter/benchmarks/steps_per_second.py [steps]``.
Every variant plays the same worlds (reset ``k`` uses seed ``k``) with the same seeded random
actions for ``steps`` steps (default 5000), best of three interleaved runs. Steps and resets are
timed apart (a reset generates a whole world); the first reset, which may compile numba code, is
not timed. Times are CPU seconds of this process (``time.process_time``), so other work on a shared
machine disturbs the numbers less; run with ``OMP_NUM_THREADS=1``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import crafter
import numpy as np
from gymnasium.utils import seeding
from rlgpt_crafter import make_env

Step = Callable[[int], bool]
Reset = Callable[[], object]


def stock() -> tuple[Step, Reset]:
    """Stock ``crafter.Env`` (old gym API, draws the image every step), given the same worlds."""
    env = crafter.Env()
    seeds = iter(range(10**9))

    def reset() -> object:
        env._seed, env._episode = world_seed(next(seeds)), 0
        return env.reset()

    return (lambda action: env.step(action)[2]), reset


def world_seed(seed: int) -> int:
    """The world seed ``CrafterEnv.reset(seed=seed)`` generates its world from."""
    return int(seeding.np_random(seed)[0].integers(2**31 - 1))


def rlgpt(obs_mode: str) -> Callable[[], tuple[Step, Reset]]:
    """``rlgpt_crafter.make_env`` in ``obs_mode``."""

    def build() -> tuple[Step, Reset]:
        env = make_env(obs_mode=obs_mode, max_episode_steps=10**9)
        seeds = iter(range(10**9))

        def step(action: int) -> bool:
            _, _, terminated, truncated, _ = env.step(action)
            return terminated or truncated

        return step, lambda: env.reset(seed=next(seeds))

    return build


def measure(build: Callable[[], tuple[Step, Reset]], actions: np.ndarray) -> tuple[float, float]:
    """Steps per second and milliseconds per reset."""
    step, reset = build()
    reset()
    step_time = reset_time = 0.0
    resets = 0
    for action in actions:
        start = time.process_time()
        over = step(int(action))
        step_time += time.process_time() - start
        if over:
            start = time.process_time()
            reset()
            reset_time += time.process_time() - start
            resets += 1
    start = time.process_time()
    reset()
    reset_time += time.process_time() - start
    return len(actions) / step_time, 1000 * reset_time / (resets + 1)


def main(steps: int, repeats: int = 3) -> None:
    """Time every variant (best of ``repeats`` interleaved runs) and print steps/s, the ratio to
    stock Crafter and the reset cost.
    """
    actions = np.random.default_rng(0).integers(0, 17, steps)
    variants = {"stock crafter": stock, "symbolic": rlgpt("symbolic"), "pixels": rlgpt("pixels")}
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, build in variants.items():
            runs[name].append(measure(build, actions))
    base = max(rate for rate, _ in runs["stock crafter"])
    print(f"{'variant':<15}{'steps/s':>10}{'vs stock':>10}{'ms/reset':>10}")
    for name, results in runs.items():
        rate, reset_ms = max(rate for rate, _ in results), min(ms for _, ms in results)
        print(f"{name:<15}{rate:>10.0f}{rate / base:>9.2f}x{reset_ms:>10.0f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
