"""PPO training speed with 1 and with 2 torch threads, on a small symbolic environment.

    python plugins/rlgpt-sb3/benchmarks/ppo_fps.py                      # the contract's corridor
    python plugins/rlgpt-sb3/benchmarks/ppo_fps.py --env crafter --steps 4096

``--env`` names any registered discrete environment (its first observation mode is used). Each
setting trains a fresh learner (after a short warm-up) in its own subprocess, so thread settings
do not leak between runs; the script prints env steps per second and the 1-thread / 2-thread ratio.
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys

from rlgpt.testing import Corridor


def env_factory(name: str) -> functools.partial:
    """A picklable factory: the contract corridor, or a registered environment's default mode."""
    if name == "corridor":
        return functools.partial(Corridor, length=16, max_steps=64)
    from rlgpt import PluginSelection

    spec = PluginSelection().registry().environments[name]
    return functools.partial(spec.make, obs_mode=spec.observation_modes[0])


def measure(env: str, steps: int, threads: int, seed: int) -> float:
    """Train PPO for ``steps`` env steps with ``threads`` torch threads; return env steps per second."""
    from rlgpt_sb3 import ppo

    learner = ppo(env_factory(env), seed=seed, torch_threads=threads)
    learner.learn(512)
    return learner.learn(steps).fps


def main() -> None:
    """Run one measurement per thread count in a child process and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="corridor", help="'corridor' or a registered environment name")
    parser.add_argument("--steps", type=int, default=8192, help="env steps timed per setting")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.env, args.steps, args.child, args.seed)))
        return
    fps = {}
    for threads in (1, 2):
        command = [sys.executable, __file__, "--env", args.env, "--steps", str(args.steps)]
        command += ["--seed", str(args.seed), "--child", str(threads)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        fps[threads] = float(out.strip().splitlines()[-1])
        print(f"{args.env}: PPO with {threads} torch thread(s): {fps[threads]:8.0f} env steps/s")
    print(f"ratio 1 thread / 2 threads: {fps[1] / fps[2]:.2f}x")


if __name__ == "__main__":
    main()
