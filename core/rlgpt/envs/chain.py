"""SubtaskChain: a plan's sub-task policies run in order.

:func:`run_chain` plays one evaluation episode of a whole plan. The
:class:`SubtaskChain` wrapper uses the same routine at ``reset`` to play the
sub-tasks *before* an RL sub-task, so that sub-task trains from the states it
will start from when the plan runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from rlgpt.envs.coded_actions import RESET_STEPS
from rlgpt.envs.policies import SubtaskOutcome, SubtaskPolicy


@dataclass
class ChainResult:
    """One run of a chain of sub-task policies."""

    obs: Any
    info: dict[str, Any]
    terminated: bool
    truncated: bool
    outcomes: list[SubtaskOutcome]

    @property
    def steps(self) -> int:
        """Primitive env steps used by all sub-tasks."""
        return sum(outcome.steps for outcome in self.outcomes)

    @property
    def completed(self) -> bool:
        """Every sub-task reached its done condition."""
        return all(outcome.reached for outcome in self.outcomes)


def run_chain(env: gym.Env, policies: Sequence[SubtaskPolicy], obs: Any, info: dict[str, Any]) -> ChainResult:
    """Run ``policies`` in order from ``(obs, info)``; stop early when the episode ends or one fails."""
    outcomes: list[SubtaskOutcome] = []
    terminated = truncated = False
    for policy in policies:
        result = policy.run(env, obs, info)
        obs, info = result.obs, result.info
        terminated, truncated = result.terminated, result.truncated
        outcomes.append(result.outcome)
        if terminated or truncated or not result.outcome.reached:
            break
    return ChainResult(obs, info, terminated, truncated, outcomes)


class SubtaskChain(gym.Wrapper):
    """Reset by playing the earlier sub-tasks; step straight through.

    :param env: the primitive environment.
    :param prefix: the policies of the sub-tasks that come before this one.
    :param max_reset_attempts: resets tried when the prefix ends the episode (e.g. the agent died).

    The first step after a reset carries ``info["reset_steps"]``, the primitive steps
    the prefix used, so learners charge them to their budget. ``reset`` returns
    ``info["prefix"]``, the prefix outcomes.
    """

    def __init__(self, env: gym.Env, prefix: Sequence[SubtaskPolicy], *, max_reset_attempts: int = 5) -> None:
        super().__init__(env)
        self._prefix = tuple(prefix)
        self._max_attempts = max_reset_attempts
        self._pending_steps = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        used = 0
        for _ in range(self._max_attempts):
            obs, info = self.env.reset(seed=seed, options=options)
            seed = None  # later attempts continue the seeded generator
            chain = run_chain(self.env, self._prefix, obs, info)
            used += chain.steps
            if not (chain.terminated or chain.truncated):
                break
        self._pending_steps += used
        info = {**chain.info, "prefix": [outcome.name for outcome in chain.outcomes if outcome.reached]}
        return chain.obs, info

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        if self._pending_steps:
            info[RESET_STEPS] = self._pending_steps
            self._pending_steps = 0
        return obs, reward, terminated, truncated, info
