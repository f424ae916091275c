"""DoneCondition and ShapedReward: a sub-task's goal and optional reward shaping.

Both evaluate coder-written functions of a *read-only* skill API after every
primitive step; a function that raises counts as "not done" / "no bonus", and the
error is reported in ``info`` (``done_error`` / ``reward_error``) for the critic. So
is a reward that is not a finite number (NaN, infinity, an int too large for a float).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import gymnasium as gym

from rlgpt.envs.policies import Predicate, holds
from rlgpt.skills import ReadOnlySkills, SkillAPI, observer


class DoneCondition(gym.Wrapper):
    """Terminate with a bonus when the sub-task's done condition holds; truncate at ``max_steps``.

    :param done: ``done(api) -> bool`` over a read-only skill API.
    :param skill_api: the environment's skill API class.
    :param max_steps: primitive steps per episode of this sub-task (since reset).
    :param success_bonus: reward added on the step the condition first holds.

    Sets ``info["is_success"]`` to whether the condition holds.
    """

    def __init__(
        self,
        env: gym.Env,
        done: Predicate,
        skill_api: type[SkillAPI],
        *,
        max_steps: int,
        success_bonus: float = 1.0,
    ) -> None:
        super().__init__(env)
        self._done, self._skill_api = done, skill_api
        self._max_steps, self._bonus = max_steps, success_bonus
        self._steps = 0

    def reset(self, **kwargs: Any):
        self._steps = 0
        return self.env.reset(**kwargs)

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._steps += 1
        reached, error = holds(self._done, self._skill_api, obs, info)
        info["is_success"] = reached
        if error:
            info["done_error"] = error
        if reached:
            reward, terminated = float(reward) + self._bonus, True
        truncated = (truncated or self._steps >= self._max_steps) and not terminated
        return obs, reward, terminated, truncated, info


class ShapedReward(gym.Wrapper):
    """Add ``reward(api) -> float`` (coder-written) to every step's reward.

    :param reward: shaping function over a read-only skill API; its value is clipped
        to ``[-clip, clip]`` so a bad shaping cannot swamp the task reward. A value that is
        not a finite number adds nothing and is reported as ``info["reward_error"]``, as a
        function that raises is.
    """

    def __init__(
        self, env: gym.Env, reward: Callable[[SkillAPI], Any], skill_api: type[SkillAPI], *, clip: float = 1.0
    ) -> None:
        super().__init__(env)
        self._reward, self._skill_api, self._clip = reward, skill_api, clip

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        api = observer(self._skill_api, obs, info)
        try:
            bonus = max(-self._clip, min(self._clip, _finite(self._reward(api))))
        except (Exception, ReadOnlySkills) as exc:
            bonus, info = 0.0, {**info, "reward_error": f"{type(exc).__name__}: {exc}"}
        return obs, float(reward) + bonus, terminated, truncated, info


def _finite(value: Any) -> float:
    """``value`` as a float; ``ValueError`` when it is NaN or infinite (``OverflowError`` when too large)."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"reward() returned {number!r}; it must return a finite number")
    return number
