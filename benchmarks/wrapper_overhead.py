"""Env steps per second through CodedActions + SubtaskChain + DoneCondition vs the bare env.

Both run the same seeded random primitive actions, interleaved in rounds so that
machine noise hits both alike; the ratio (wrapped / bare) is the number to watch
(target: at least 0.90).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/wrapper_overhead.py --env crafter --steps 5000
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from rlgpt.envs import CodedActions, DoneCondition, SubtaskChain
from rlgpt.plugins import get_registry


def never_done(api) -> bool:
    """A done condition that reads the state but never ends the episode."""
    return api.info is None


def idle_macro(api) -> bool:
    """A coded action that does nothing (never chosen here; it only widens the action space)."""
    return False


def steps_per_second(env, steps: int, n_primitives: int, seed: int) -> float:
    """Random primitive actions for ``steps`` steps, resetting when episodes end."""
    rng = np.random.default_rng(seed)
    actions = rng.integers(0, n_primitives, size=steps)
    env.reset(seed=seed)
    started = time.perf_counter()
    for action in actions:
        _, _, terminated, truncated, _ = env.step(int(action))
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="crafter")
    parser.add_argument("--task", default=None, help="task id (default: the env's first task)")
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    spec = get_registry().environment(args.env)
    task = args.task or spec.tasks[0].id
    n = len(spec.primitive_actions)

    def bare():
        return spec.make(task=task, obs_mode=spec.observation_modes[0])

    def wrapped():
        env = DoneCondition(SubtaskChain(bare(), prefix=[]), never_done, spec.skill_api, max_steps=10**9)
        return CodedActions(env, spec.skill_api, {"idle": idle_macro})

    results: dict[str, list[float]] = {"bare": [], "wrapped": []}
    for round_ in range(args.rounds):
        for name, factory in (("bare", bare), ("wrapped", wrapped)):
            results[name].append(steps_per_second(factory(), args.steps, n, seed=round_))
    bare_sps, wrapped_sps = (statistics.median(results[k]) for k in ("bare", "wrapped"))
    print(f"{args.env}/{task}: {args.steps} random steps x {args.rounds} rounds (median)")
    print(f"  bare env          {bare_sps:10.0f} steps/s")
    print(f"  wrapped env       {wrapped_sps:10.0f} steps/s")
    print(f"  ratio wrapped/bare {wrapped_sps / bare_sps:9.2f}")


if __name__ == "__main__":
    main()
