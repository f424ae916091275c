"""MineDojo as a Gymnasium environment with rlgpt's task, observation and ``info`` conventions."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from rlgpt_minedojo.actions import ACTIONS, NOOP, check_vector, describe_vector, empty_slot, to_minedojo
from rlgpt_minedojo.observation import compact_space, encode, read_info
from rlgpt_minedojo.sim import BIOME_IDS, IMAGE_SIZE, Simulator, check_action_space, minedojo_make
from rlgpt_minedojo.tasks import MINEDOJO_TASKS, TASKS

OBS_MODES: tuple[str, ...] = ("compact", "rgb")
"""Observation modes; the first is the default."""

RESET_MODES: tuple[str, ...] = ("regenerate", "fast")
"""How episodes after the first start in the built world (see :class:`MineDojoEnv`)."""


class MineDojoEnv(gym.Env):
    """A MineDojo task (gym 0.21 API underneath) as a Gymnasium env.

    **Actions**: an index into :data:`~rlgpt_minedojo.actions.ACTIONS` (the 36 compact actions,
    the action space), or, for the skill API, a full MineDojo action vector (8 ints in its
    ``MultiDiscrete([3, 3, 4, 25, 25, 8, 244, 36])``), passed through unchanged unless MineDojo would
    raise on it: equip, place or destroy from an empty slot is sent as a no-op instead, with
    ``info["invalid_action"]`` and the episode's count ``info["invalid_actions"]``.

    **Reward**: 1 per target item gained (-1 per one lost) since the last step, read from the
    inventory. MineDojo's own reward (``info["minedojo_reward"]``) is that of the last Minecraft
    step only, and its action wrapper adds two no-op steps after drop, craft, equip, place and
    destroy, so it misses what those actions gain.

    **Episode end**: ``terminated`` when MineDojo ends the episode, the task succeeds or the player
    dies; ``truncated`` at the step budget (the task's, or ``max_episode_steps``) and when a
    Minecraft step fails (``info["simulator_failure"]``; ``info["simulator_failures"]`` counts them
    over this env's life): MineDojo then repeats the previous observation with ``done=True``.

    **Observations**: ``"compact"``: the vector of :mod:`rlgpt_minedojo.observation`;
    ``"rgb"``: MineDojo's image, 3 x height x width uint8.

    **info** (fresh objects every step): what :func:`rlgpt_minedojo.observation.read_info` reads
    (inventory, slots, mainhand, life/food/oxygen, position, yaw, pitch, biome_id, nearby_tools,
    voxels, voxels_blocking, seen, craftable), plus ``start_inventory``, ``milestones`` (the task's
    chain items obtained so far), ``action`` (the MineDojo action sent, in words), ``minedojo_done``,
    ``minedojo_success`` (MineDojo's own ``is_successful``), ``minedojo_reward``, ``invalid_action``,
    ``invalid_actions``, ``simulator_failure``, ``simulator_failures``, ``is_success``, ``task``, and
    how the episode's world started: ``world_seed``, ``fast_reset``, ``start_displacement`` and
    ``in_task_biome``.

    **One Minecraft per env**: the first ``reset`` builds MineDojo (Minecraft starts: slow) with the
    world seed ``world_seed``, or else that reset's seed (one drawn when it has none); every later
    ``reset`` reuses it, whatever its seed (MineDojo fixes its world when it is built, and its
    ``seed()`` changes nothing afterwards), so a seed only seeds this env's ``np_random``. Episodes
    start as ``reset_mode`` says (default: ``"regenerate"`` for tasks with a biome, else ``"fast"``):

    - ``"regenerate"`` (MineDojo's ``fast_reset=False``): every reset generates the world again from
      its seed: the task's fresh world and start each episode, at the cost of a world generation per
      episode (no Minecraft restart). MineDojo regenerates only a task's biome world (``BiomeGenerator``
      with ``forceReset``; its default world generator keeps the world), so tasks without a biome
      (``obtain_diamond``) take ``"fast"`` only.
    - ``"fast"`` (MineDojo's default ``fast_reset``): after the first episode, Minecraft commands
      kill the player (``/kill``), move the respawned player up to 200 blocks on each axis
      (``/spreadplayers ~ ~ 0 200 false @p``), possibly into another biome, restore the starting
      inventory and clear dropped items; the world keeps every change earlier episodes made. Such an
      episode has ``info["fast_reset"]`` True, ``info["start_displacement"]`` (horizontal blocks from
      the world's first start) and ``info["in_task_biome"]`` (whether the start lies in the task's
      biome; ``None`` for tasks without one). After MineDojo ended the world (death, failed step) its
      fast reset cannot run, so the next ``reset`` builds MineDojo again (Minecraft restarts).
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
        reset_mode: str | None = None,
        world_seed: int | None = None,
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
        if reset_mode is None:
            reset_mode = "regenerate" if MINEDOJO_TASKS[task].biome is not None else "fast"
        if reset_mode not in RESET_MODES:
            raise ValueError(f"unknown reset mode {reset_mode!r} (modes: {', '.join(RESET_MODES)})")
        if reset_mode == "regenerate" and MINEDOJO_TASKS[task].biome is None:
            raise ValueError(
                f"task {task!r} has no biome and MineDojo regenerates only biome worlds on reset: "
                "use reset_mode='fast'"
            )
        if world_seed is not None and (isinstance(world_seed, bool) or not isinstance(world_seed, int)):
            raise ValueError(f"world_seed must be an integer or None, got {world_seed!r}")
        self.task = MINEDOJO_TASKS[task]
        self.reset_mode = reset_mode
        self.world_seed = world_seed
        self._success = TASKS[task].success
        self.obs_mode = obs_mode
        self.render_mode = render_mode
        self.max_episode_steps = max_episode_steps or self.task.max_steps
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self._simulator = simulator or functools.partial(minedojo_make, fast_reset=reset_mode == "fast")
        self.action_space = gym.spaces.Discrete(len(ACTIONS))
        if obs_mode == "compact":
            self.observation_space = compact_space()
        else:
            self.observation_space = gym.spaces.Box(0, 255, (3, *self.image_size), np.uint8)
        self._sim: Any = None
        self._world_start: np.ndarray | None = None
        self._raw: dict[str, Any] | None = None
        self._info: dict[str, Any] = {}
        self._episode: dict[str, Any] = {}
        self._origin = np.zeros(3)
        self._start: dict[str, int] = {}
        self._milestones: list[str] = []
        self._steps = 0
        self._invalid_actions = 0
        self.simulator_failures = 0
        """Minecraft steps that failed over this env's life."""

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode in this env's one MineDojo world (see the class docstring)."""
        super().reset(seed=seed)
        ended = self.reset_mode == "fast" and bool(getattr(self._sim, "is_terminated", False))
        built = self._sim is None or ended
        if built:
            self.close()
            if self.world_seed is None:  # a seedless first reset draws one: the world can be built again
                self.world_seed = seed if seed is not None else int(self.np_random.integers(2**31 - 1))
            self._sim = self._simulator(self.task, self.world_seed, self.image_size)
            check_action_space(self._sim.action_space)
        self._raw = self._sim.reset()
        info = read_info(self._raw)
        self._origin = np.asarray(info["position"], dtype=np.float64)
        if self._world_start is None:
            self._world_start = self._origin
        biome = self.task.biome
        self._episode = {
            "world_seed": self.world_seed,
            "fast_reset": not built and self.reset_mode == "fast",
            "start_displacement": round(float(np.hypot(*(self._origin - self._world_start)[[0, 2]])), 2),
            "in_task_biome": None if biome is None else info["biome_id"] == BIOME_IDS[biome],
        }
        self._start = dict(info["inventory"])
        self._milestones = []
        self._steps = 0
        self._invalid_actions = 0
        info = self._complete(info, action="reset", done=False)
        return self._observe(info), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Take one compact action, or one full MineDojo action vector (see the class docstring)."""
        if self._raw is None:
            raise RuntimeError("call reset() before step()")
        vector = to_minedojo(action) if np.ndim(action) == 0 else check_vector(action)
        words = describe_vector(vector)
        invalid = empty_slot(vector, self._info["slots"])
        if invalid is not None:
            self._invalid_actions += 1
            vector, words = np.array(NOOP, dtype=np.int64), f"no_op (invalid: {invalid})"
        before = self._info["inventory"].get(self.task.target, 0)
        raw, minedojo_reward, done, failed = self._sim_step(vector)
        self._raw = raw
        self._steps += 1
        self.simulator_failures += failed
        info = self._complete(read_info(raw), action=words, done=done)
        info.update(
            minedojo_reward=minedojo_reward, invalid_action=invalid is not None, simulator_failure=failed
        )
        reward = float(info["inventory"].get(self.task.target, 0) - before)
        terminated = not failed and (done or info["is_success"] or info["life"] <= 0)
        truncated = failed or (not terminated and self._steps >= self.max_episode_steps)
        return self._observe(info), reward, terminated, truncated, info

    def _sim_step(self, vector: np.ndarray) -> tuple[dict[str, Any], float, bool, bool]:
        """One MineDojo step: ``(raw observation, MineDojo's reward, done, whether the step failed)``.

        A failed Minecraft step returns the previous observation with ``done=True`` and, as its
        ``info``, the very object MineDojo keeps as ``prev_info`` (``MineDojoSim.step``); a real step
        returns a new one. When the failure comes before the no-op steps MineDojo's action wrapper
        adds, those steps raise ``RuntimeError`` on the ended bridge (``BridgeEnv.step``)."""
        try:
            raw, reward, done, raw_info = self._sim.step(vector)
        except RuntimeError:
            if not getattr(self._sim, "is_terminated", False):
                raise
            assert self._raw is not None
            return self._raw, 0.0, True, True
        failed = bool(done) and raw_info is getattr(self._sim, "prev_info", None)
        return raw, float(reward), bool(done), failed

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
            minedojo_reward=0.0,
            invalid_action=False,
            invalid_actions=self._invalid_actions,
            simulator_failure=False,
            simulator_failures=self.simulator_failures,
            task=self.task.id,
            **self._episode,
        )
        info["is_success"] = bool(self._success(info))
        self._info = info
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
    reset_mode: str | None = None,
    world_seed: int | None = None,
) -> MineDojoEnv:
    """Build a :class:`MineDojoEnv` (the ``rlgpt`` entry point ``rlgpt_minedojo.env:make_env``).

    :param task: a task id from :data:`rlgpt_minedojo.tasks.TASKS`.
    :param obs_mode: ``"compact"`` (default) or ``"rgb"``.
    :param max_episode_steps: step limit; default: the task's budget.
    :param render_mode: ``None`` or ``"rgb_array"``.
    :param image_size: MineDojo's image size ``(height, width)``.
    :param simulator: ``simulator(task, seed, image_size)`` returning a MineDojo env; default
        :func:`rlgpt_minedojo.sim.minedojo_make` (``minedojo.make("harvest", ...)``). Pass your own
        to use a fork with the same API (e.g. the MCEnv fork RL-GPT's authors use); it must build with
        ``fast_reset`` as ``reset_mode`` says (``"fast"``: ``True``).
    :param reset_mode: ``"regenerate"`` or ``"fast"``: how episodes start (see :class:`MineDojoEnv`);
        default: ``"regenerate"`` where the task has a biome, else ``"fast"``.
    :param world_seed: the seed of the one world this env builds; default: the first ``reset``'s seed.
    """
    return MineDojoEnv(
        task, obs_mode, max_episode_steps, render_mode, image_size, simulator, reset_mode, world_seed
    )
