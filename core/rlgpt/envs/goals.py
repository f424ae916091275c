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


SHAPING_MODES = ("bonus", "potential")
"""How a coder's ``reward(api)`` enters training (:class:`ShapedReward`)."""


class ShapedReward(gym.Wrapper):
    """Add a coder-written ``reward(api) -> float`` to every step's reward.

    :param reward: shaping function over a read-only skill API; its value is clipped
        to ``[-clip, clip]`` so a bad shaping cannot swamp the task reward. A value that is
        not a finite number adds nothing and is reported as ``info["reward_error"]``, as a
        function that raises is.
    :param mode: ``"bonus"`` adds the value after every step; ``"potential"`` treats it as a
        potential and adds its change since the previous step (potential-based shaping, Ng, Harada
        and Russell 1999, undiscounted): an episode gains ``reward(end) - reward(start)`` in all, so
        a policy earns nothing by lingering in a state the shaping likes, where a per-step bonus pays
        it for every step it stays there instead of finishing.
    """

    def __init__(
        self,
        env: gym.Env,
        reward: Callable[[SkillAPI], Any],
        skill_api: type[SkillAPI],
        *,
        clip: float = 1.0,
        mode: str = "bonus",
    ) -> None:
        super().__init__(env)
        if mode not in SHAPING_MODES:
            raise ValueError(f"reward shaping mode {mode!r}: choose one of {', '.join(SHAPING_MODES)}")
        self._reward, self._skill_api, self._clip, self._mode = reward, skill_api, clip, mode
        self._potential = 0.0

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        if self._mode == "potential":  # a per-step bonus needs no reading of the start
            value, _ = self._value(obs, info)
            self._potential = value or 0.0
        return obs, info

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        value, error = self._value(obs, info)
        if error:
            info = {**info, "reward_error": error}
        if value is None:  # no reading: no bonus, and the potential stays where it was
            bonus = 0.0
        elif self._mode == "potential":
            bonus, self._potential = value - self._potential, value
        else:
            bonus = value
        return obs, float(reward) + bonus, terminated, truncated, info

    def _value(self, obs: Any, info: dict[str, Any]) -> tuple[float | None, str | None]:
        """The clipped shaping value of a state, or None and what went wrong."""
        api = observer(self._skill_api, obs, info)
        try:
            return max(-self._clip, min(self._clip, _finite(self._reward(api)))), None
        except (Exception, ReadOnlySkills) as exc:
            return None, f"{type(exc).__name__}: {exc}"


def _finite(value: Any) -> float:
    """``value`` as a float; ``ValueError`` when it is NaN or infinite (``OverflowError`` when too large)."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"reward() returned {number!r}; it must return a finite number")
    return number
