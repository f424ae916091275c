"""MineDojo as a Gymnasium environment with rlgpt's task, observation and ``info`` conventions."""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from rlgpt_minedojo.actions import ACTIONS, check_vector, describe_vector, to_minedojo
from rlgpt_minedojo.observation import compact_space, encode, read_info
from rlgpt_minedojo.sim import IMAGE_SIZE, Simulator, check_action_space, minedojo_make
from rlgpt_minedojo.tasks import MINEDOJO_TASKS, TASKS

OBS_MODES: tuple[str, ...] = ("compact", "rgb")
"""Observation modes; the first is the default."""


class MineDojoEnv(gym.Env):
    """A MineDojo task (gym 0.21 API underneath) as a Gymnasium env.

    **Actions**: an index into :data:`~rlgpt_minedojo.actions.ACTIONS` (the 36 compact actions,
    the action space), or, for the skill API, a full MineDojo action vector (8 ints in its
    ``MultiDiscrete([3, 3, 4, 25, 25, 8, 244, 36])``), which is passed through unchanged.

    **Reward** is MineDojo's harvest reward (1 per target item gained).

    **Episode end**: ``terminated`` when MineDojo ends the episode, the task succeeds or the player
    dies; ``truncated`` at the step budget (the task's, or ``max_episode_steps``).

    **Observations**: ``"compact"``: the vector of :mod:`rlgpt_minedojo.observation`;
    ``"rgb"``: MineDojo's image, 3 x height x width uint8.

    **info** (fresh objects every step): what :func:`rlgpt_minedojo.observation.read_info` reads
    (inventory, slots, mainhand, life/food/oxygen, position, yaw, pitch, biome_id, nearby_tools,
    voxels, voxels_blocking, seen, craftable), plus ``start_inventory``, ``milestones`` (the task's
    chain items obtained so far), ``action`` (the last MineDojo action in words), ``minedojo_done``,
    ``minedojo_success`` (MineDojo's own ``is_successful``), ``is_success`` and ``task``.

    **Seeds**: MineDojo fixes its world when it is built, so the first ``reset`` builds it with the
    seed given (``seed`` and ``world_seed``) and a later ``reset`` with a different seed rebuilds it
    (Minecraft restarts: slow); ``reset()`` without a seed keeps the world (MineDojo's fast reset).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 20}

    def __init__(
        self,
        task: str | None = None,
        obs_mode: str = "compact",
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
        image_size: tuple[int, int] = IMAGE_SIZE,
        simulator: Simulator | None = None,
    ) -> None:
        if task not in MINEDOJO_TASKS:
            raise ValueError(f"MineDojo needs a task, one of {', '.join(MINEDOJO_TASKS)}; got {task!r}")
        if obs_mode not in OBS_MODES:
            raise ValueError(f"unknown observation mode {obs_mode!r} (modes: {', '.join(OBS_MODES)})")
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"unknown render mode {render_mode!r} (modes: rgb_array)")
        if max_episode_steps is not None and (isinstance(max_episode_steps, bool) or max_episode_steps < 1):
            raise ValueError(
                f"max_episode_steps must be a positive integer or None, got {max_episode_steps!r}"
            )
        self.task = MINEDOJO_TASKS[task]
        self._success = TASKS[task].success
        self.obs_mode = obs_mode
        self.render_mode = render_mode
        self.max_episode_steps = max_episode_steps or self.task.max_steps
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self._simulator = simulator or minedojo_make
        self.action_space = gym.spaces.Discrete(len(ACTIONS))
        if obs_mode == "compact":
            self.observation_space = compact_space()
        else:
            self.observation_space = gym.spaces.Box(0, 255, (3, *self.image_size), np.uint8)
        self._sim: Any = None
        self._world_seed: int | None = None
        self._raw: dict[str, Any] | None = None
        self._origin = np.zeros(3)
        self._start: dict[str, int] = {}
        self._milestones: list[str] = []
        self._steps = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode (building or rebuilding MineDojo's world as the class docstring says)."""
        super().reset(seed=seed)
        if self._sim is None or (seed is not None and seed != self._world_seed):
            self.close()
            self._sim = self._simulator(self.task, seed, self.image_size)
            check_action_space(self._sim.action_space)
            self._world_seed = seed
        self._raw = self._sim.reset()
        info = read_info(self._raw)
        self._origin = np.asarray(info["position"], dtype=np.float64)
        self._start = dict(info["inventory"])
        self._milestones = []
        self._steps = 0
        info = self._complete(info, action="reset", done=False)
        return self._observe(info), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Take one compact action, or one full MineDojo action vector (see the class docstring)."""
        if self._raw is None:
            raise RuntimeError("call reset() before step()")
        vector = to_minedojo(action) if np.ndim(action) == 0 else check_vector(action)
        self._raw, reward, done, _ = self._sim.step(vector)
        self._steps += 1
        info = self._complete(read_info(self._raw), action=describe_vector(vector), done=bool(done))
        terminated = bool(done) or info["is_success"] or info["life"] <= 0
        truncated = not terminated and self._steps >= self.max_episode_steps
        return self._observe(info), float(reward), terminated, truncated, info

    def render(self) -> np.ndarray | None:
        """The last RGB frame, height x width x 3 (``render_mode="rgb_array"``)."""
        if self.render_mode is None or self._raw is None:
            return None
        return np.ascontiguousarray(np.transpose(self._raw["rgb"], (1, 2, 0)))

    def close(self) -> None:
        """Close MineDojo (Minecraft stops)."""
        if self._sim is not None:
            self._sim.close()
            self._sim = None

    @property
    def action_names(self) -> tuple[str, ...]:
        """Names of the compact actions, in index order."""
        return ACTIONS

    def _complete(self, info: dict[str, Any], action: str, done: bool) -> dict[str, Any]:
        for item in self.task.chain:
            if item not in self._milestones and info["inventory"].get(item, 0) > 0:
                self._milestones.append(item)
        info.update(
            start_inventory=dict(self._start),
            milestones=[item for item in self.task.chain if item in self._milestones],
            action=action,
            minedojo_done=done,
            minedojo_success=bool(getattr(self._sim, "is_successful", False)),
            task=self.task.id,
        )
        info["is_success"] = bool(self._success(info))
        return info

    def _observe(self, info: dict[str, Any]) -> np.ndarray:
        assert self._raw is not None
        if self.obs_mode == "rgb":
            return np.array(self._raw["rgb"], dtype=np.uint8)
        return encode(self._raw, info, self._origin)


def make_env(
    task: str | None = None,
    obs_mode: str = "compact",
    max_episode_steps: int | None = None,
    render_mode: str | None = None,
    image_size: tuple[int, int] = IMAGE_SIZE,
    simulator: Simulator | None = None,
) -> MineDojoEnv:
    """Build a :class:`MineDojoEnv` (the ``rlgpt`` entry point ``rlgpt_minedojo.env:make_env``).

    :param task: a task id from :data:`rlgpt_minedojo.tasks.TASKS`.
    :param obs_mode: ``"compact"`` (default) or ``"rgb"``.
    :param max_episode_steps: step limit; default: the task's budget.
    :param render_mode: ``None`` or ``"rgb_array"``.
    :param image_size: MineDojo's image size ``(height, width)``.
    :param simulator: ``simulator(task, seed, image_size)`` returning a MineDojo env; default
        :func:`rlgpt_minedojo.sim.minedojo_make` (``minedojo.make("harvest", ...)``). Pass your own
        to use a fork with the same API (e.g. the MCEnv fork RL-GPT's authors use).
    """
    return MineDojoEnv(task, obs_mode, max_episode_steps, render_mode, image_size, simulator)
