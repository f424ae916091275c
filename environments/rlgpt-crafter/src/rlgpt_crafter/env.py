"""Crafter as a Gymnasium environment with rlgpt's task, observation and ``info`` conventions."""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from crafter import constants

from rlgpt_crafter._choices import check_choice
from rlgpt_crafter.engine import DIRECTIONS, Engine
from rlgpt_crafter.observation import ITEMS, VITALS, encode, symbolic_space
from rlgpt_crafter.tasks import TASKS

ACTIONS: tuple[str, ...] = tuple(constants.actions)
"""The 17 primitive actions, in Crafter's action-index order."""

OBS_MODES: tuple[str, ...] = ("symbolic", "pixels")
"""Observation modes; the first is the default."""

EPISODE_STEPS = 10_000
"""Step limit without a task (Crafter's own episode length)."""

REWARDS: tuple[str, ...] = ("achievements", "task")
"""Reward modes: Crafter's own (the default), or none from the game (the task's success bonus only,
which the sub-task's done condition adds)."""

MIN_AREA = 16
"""Smallest world side, in cells (terrain generation needs room around the centre)."""

MIN_SIZE = 9
"""Smallest image side, in pixels (one pixel per cell of Crafter's 9x9 view)."""

_FACING_NAMES = {offset: name for name, offset in DIRECTIONS.items()}


class CrafterEnv(gym.Env):
    """Crafter with a task, a frameless symbolic view and an ``info`` dict the skill API reads.

    **Reward** (``reward="achievements"``) is Crafter's own: +1 the first time in an episode each
    achievement is unlocked, plus a tenth of every change in health (so -0.2 for losing two health
    points). With ``reward="task"`` the game rewards nothing: the learner's only reward is the
    success bonus of the (sub-)task's done condition.

    **Episode end**: ``terminated`` when the player dies (``info["discount"] == 0``) or the
    task succeeds (``info["is_success"]``); ``truncated`` at the step limit (the task's budget,
    ``max_episode_steps`` when given, else 10000).

    **Observations**: ``"symbolic"`` is the flat vector of :mod:`rlgpt_crafter.observation`
    (built without drawing); ``"pixels"`` is Crafter's image, ``size[1] x size[0] x 3`` uint8.

    **info** (fresh objects every step): ``inventory`` (12 items), ``achievements`` (22 counts),
    ``health``/``food``/``drink``/``energy``, ``player_pos`` ``(x, y)``, ``facing``
    (``"left"|"right"|"up"|"down"``), ``local_view`` (7x9 cell ids, see
    :data:`rlgpt_crafter.engine.CLASS_NAMES`), ``sleeping``, ``daylight``, ``step`` (steps taken
    in the episode), ``discount``,
    ``is_success`` and ``task``. The full world map is never exposed.

    **Determinism**: ``reset(seed=s)`` followed by the same actions replays the same game in
    any process and either observation mode; ``render()`` does not change the game.

    **Continuing worlds** (``continue_world=True``, off by default): a reset *without* a seed,
    after an episode the player survived, starts the next episode in the same world (see
    :meth:`rlgpt_crafter.engine.Engine.continue_world`: a fresh player where the last one stood,
    the world and its clock carry on) instead of generating a new one. A reset with a seed, or
    after the player died, generates a new world as usual, so seeded evaluation is unchanged.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(
        self,
        task: str | None = None,
        obs_mode: str = "symbolic",
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
        area: tuple[int, int] = (64, 64),
        size: tuple[int, int] = (64, 64),
        reward: str = "achievements",
        continue_world: bool = False,
    ) -> None:
        if not isinstance(continue_world, bool):
            raise ValueError(f"continue_world must be true or false, got {continue_world!r}")
        self.continue_world = continue_world
        self.task = TASKS[check_choice(task, TASKS, "task")] if task is not None else None
        self.reward_mode = check_choice(reward, REWARDS, "reward mode")
        self.obs_mode = check_choice(obs_mode, OBS_MODES, "observation mode")
        if render_mode is not None:
            check_choice(render_mode, self.metadata["render_modes"], "render mode")
        self.render_mode = render_mode
        self.max_episode_steps = _budget(max_episode_steps, self.task)
        width, height = _pair(size, "size", MIN_SIZE)
        self._engine = Engine(
            _pair(area, "area", MIN_AREA), (width, height), draw_frames=self.obs_mode == "pixels"
        )
        self.action_space = gym.spaces.Discrete(len(ACTIONS))
        if self.obs_mode == "symbolic":
            self.observation_space = symbolic_space()
        else:
            self.observation_space = gym.spaces.Box(0, 255, (height, width, 3), np.uint8)
        self._steps = 0
        self._frame: np.ndarray | None = None
        self._started = False

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode in a new world; the world follows from ``seed`` (or the env's generator).

        With ``continue_world``, an unseeded reset after a survived episode continues the world.
        """
        super().reset(seed=seed)
        if self.continue_world and seed is None and self._started and self._engine.player.health > 0:
            self._frame = self._engine.continue_world()
        else:
            self._frame = self._engine.reset_world(int(self.np_random.integers(2**31 - 1)))
        self._steps = 0
        self._started = True
        info = self._info(discount=1.0)
        return self._observe(info), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Take one primitive action (an index into :data:`ACTIONS`)."""
        if not self._started:
            raise RuntimeError("call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not an index 0..{len(ACTIONS) - 1} into {ACTIONS}")
        self._frame, reward, _, raw = self._engine.step(int(action))
        self._steps += 1
        info = self._info(discount=float(raw["discount"]))
        terminated = info["discount"] == 0.0 or info["is_success"]
        truncated = not terminated and self._steps >= self.max_episode_steps
        reward = float(reward) if self.reward_mode == "achievements" else 0.0
        return self._observe(info), reward, terminated, truncated, info

    def render(self) -> np.ndarray | None:
        """Crafter's image of the current state (``render_mode="rgb_array"``); the game is unaffected."""
        if self.render_mode is None:
            gym.logger.warn("render() needs render_mode='rgb_array' when the environment is made")
            return None
        if self._frame is not None:
            return self._frame.copy()
        return self._engine.frame()

    @property
    def action_names(self) -> tuple[str, ...]:
        """Names of the primitive actions, in index order."""
        return ACTIONS

    def _info(self, discount: float) -> dict[str, Any]:
        player = self._engine.player
        inventory = player.inventory
        info: dict[str, Any] = {
            "inventory": {name: int(inventory[name]) for name in ITEMS},
            "achievements": {name: int(count) for name, count in player.achievements.items()},
            **{name: int(inventory[name]) for name in VITALS},
            "player_pos": (int(player.pos[0]), int(player.pos[1])),
            "facing": _FACING_NAMES[(int(player.facing[0]), int(player.facing[1]))],
            "local_view": self._engine.local_view(),
            "sleeping": bool(player.sleeping),
            "daylight": self._engine.daylight,
            "step": self._steps,
            "discount": discount,
            "task": self.task.id if self.task else None,
        }
        info["is_success"] = bool(self.task and self.task.success(info))
        return info

    def _observe(self, info: dict[str, Any]) -> np.ndarray:
        if self.obs_mode == "pixels":
            return np.ascontiguousarray(self._frame)
        vitals = {name: info[name] for name in VITALS}
        return encode(
            info["local_view"], info["inventory"], vitals, info["facing"], info["daylight"], info["sleeping"]
        )


def _budget(max_episode_steps: int | None, task: Any) -> int:
    if max_episode_steps is None:
        return task.max_episode_steps if task else EPISODE_STEPS
    if isinstance(max_episode_steps, bool) or not isinstance(max_episode_steps, int) or max_episode_steps < 1:
        raise ValueError(f"max_episode_steps must be a positive integer or None, got {max_episode_steps!r}")
    return max_episode_steps


def _pair(value: Any, name: str, minimum: int) -> tuple[int, int]:
    try:
        first, second = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be two integers (width, height), got {value!r}") from None
    if min(first, second) < minimum:
        raise ValueError(f"{name} must be at least ({minimum}, {minimum}), got {value!r}")
    return first, second


def make_env(
    task: str | None = None,
    obs_mode: str = "symbolic",
    max_episode_steps: int | None = None,
    render_mode: str | None = None,
    area: tuple[int, int] = (64, 64),
    size: tuple[int, int] = (64, 64),
    reward: str = "achievements",
    continue_world: bool = False,
) -> CrafterEnv:
    """Build a :class:`CrafterEnv` (the ``rlgpt`` entry point ``rlgpt_crafter.env:make_env``).

    :param task: a task id from :data:`rlgpt_crafter.tasks.TASKS` or ``None`` (free play).
    :param obs_mode: ``"symbolic"`` (default) or ``"pixels"``.
    :param max_episode_steps: step limit; default: the task's budget, or 10000.
    :param render_mode: ``None`` or ``"rgb_array"``.
    :param area: world size in cells.
    :param size: image size in pixels for ``pixels`` and ``render()``.
    :param reward: ``"achievements"`` (Crafter's reward) or ``"task"`` (none from the game).
    :param continue_world: unseeded resets after a survived episode continue the same world
        instead of generating a new one (``env_options.continue_world = true`` in a run config);
        seeded resets always generate.
    """
    return CrafterEnv(task, obs_mode, max_episode_steps, render_mode, area, size, reward, continue_world)
