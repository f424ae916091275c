"""A uniform random policy on the primitive actions, in the worlds a run's evaluation uses.

The control for a program's success on short tasks: a random agent drinks, chops or eats now and
then. Same evaluation worlds as the loop (``seed`` 10_000 + 1_000 * run seed + episode), the task's own
step budget and success predicate; one row per task:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/random_policy_control.py --env crafter \\
        --tasks collect_drink,collect_wood,collect_sapling,eat_cow --seeds 0 --episodes 10
"""

from __future__ import annotations

import argparse

import numpy as np
from rlgpt.bench.stats import bootstrap
from rlgpt.plugins import get_registry


def successes(env_name: str, task_id: str, seed: int, episodes: int) -> list[int]:
    """Per-episode success of a uniform random policy in the evaluation worlds of run seed ``seed``."""
    spec = get_registry().environment(env_name)
    task = spec.task(task_id)
    env = spec.make(task=task_id, obs_mode=spec.observation_modes[0])
    rng = np.random.default_rng(seed)
    solved = []
    for episode in range(episodes):
        _, info = env.reset(seed=10_000 + 1_000 * seed + episode)
        done = task.success(info)
        for _ in range(task.max_episode_steps):
            if done:
                break
            _, _, terminated, truncated, info = env.step(int(rng.integers(env.action_space.n)))
            done = task.success(info)
            if terminated or truncated:
                break
        solved.append(int(done))
    env.close()
    return solved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="crafter")
    parser.add_argument("--tasks", required=True, help="comma list of task ids")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--episodes", type=int, default=10)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    print("| task | random policy success [95% CI over seeds] | episodes |")
    print("|---|---|---|")
    for task in args.tasks.split(","):
        runs = [successes(args.env, task, seed, args.episodes) for seed in seeds]
        print(f"| {task} | {bootstrap(runs).format()} | {sum(len(r) for r in runs)} |")


if __name__ == "__main__":
    main()
