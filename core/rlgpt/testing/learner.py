"""Contract tests for RL learner plugins.

Subclass :class:`LearnerContract` in a test module of your plugin, name the learner and the
action-space kind it trains on, and pytest runs every check against it::

    from rlgpt.testing import LearnerContract

    class TestPPOContract(LearnerContract):
        learner_name = "ppo"
        action_space = "discrete"

The learner is built through the registry of the kit's ``plugins`` selection (every installed
plugin unless a subclass sets another :class:`~rlgpt.plugins.PluginSelection`). The contract brings
its own tiny deterministic environments: a corridor (discrete: go right to the goal), a reach task
(continuous: move a point onto a target) and a fixed-length env whose steps can report
``info["macro_steps"]``. A contract test the learner cannot
pass is overridden with ``@pytest.mark.xfail(reason="...")``; any other override is an error (see
:mod:`rlgpt.testing.guard`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

from rlgpt.learning import Learner, TrainingResult
from rlgpt.plugins import PluginSelection
from rlgpt.specs import LearnerSpec
from rlgpt.testing.guard import Contract

EnvFn = Callable[[], gym.Env]


def _observation(features: np.ndarray, dict_obs: bool) -> Any:
    """``features`` as a flat Box observation, or split into a two-key Dict observation."""
    if not dict_obs:
        return features
    return {"head": features[:1].copy(), "tail": features[1:].copy()}


def _observation_space(size: int, low: float, high: float, dict_obs: bool) -> spaces.Space:
    """The space :func:`_observation` draws from."""
    if not dict_obs:
        return spaces.Box(low, high, (size,), np.float32)
    return spaces.Dict(
        {
            "head": spaces.Box(low, high, (1,), np.float32),
            "tail": spaces.Box(low, high, (size - 1,), np.float32),
        }
    )


class Corridor(gym.Env):
    """A 1-D corridor: actions ``0`` left, ``1`` stay, ``2`` right; the goal is the rightmost cell.

    Episodes start on a random cell left of the goal and end at the goal (``is_success``) or after
    ``max_steps``. Reward: ``-0.01`` per step, ``+1`` at the goal. The observation is the one-hot cell.

    :param length: number of cells.
    :param max_steps: steps before truncation.
    :param dict_obs: observe a Dict instead of a flat Box.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(self, length: int = 8, max_steps: int = 30, dict_obs: bool = False) -> None:
        self.length = length
        self.max_steps = max_steps
        self.dict_obs = dict_obs
        self.action_space = spaces.Discrete(3)
        self.observation_space = _observation_space(length, 0.0, 1.0, dict_obs)
        self._position = 0
        self._steps = 0

    def _obs(self) -> Any:
        one_hot = np.zeros(self.length, dtype=np.float32)
        one_hot[self._position] = 1.0
        return _observation(one_hot, self.dict_obs)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict]:
        """Start on a random cell left of the goal."""
        super().reset(seed=seed)
        self._position = int(self.np_random.integers(0, self.length - 1))
        self._steps = 0
        return self._obs(), {"is_success": False}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        """Move one cell (or stay)."""
        self._position = int(np.clip(self._position + int(action) - 1, 0, self.length - 1))
        self._steps += 1
        success = self._position == self.length - 1
        reward = (1.0 if success else 0.0) - 0.01
        return self._obs(), reward, success, self._steps >= self.max_steps, {"is_success": success}


class Reach(gym.Env):
    """Move a point on ``[-1, 1]`` onto a target: ``x += 0.25 * action``.

    Observation ``[x, target]``; reward ``-|target - x|`` per step; the episode ends with
    ``is_success`` once the point is within ``tolerance`` of the target, or after ``max_steps``.

    :param tolerance: success distance.
    :param max_steps: steps before truncation.
    :param dict_obs: observe a Dict instead of a flat Box.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(self, tolerance: float = 0.15, max_steps: int = 25, dict_obs: bool = False) -> None:
        self.tolerance = tolerance
        self.max_steps = max_steps
        self.dict_obs = dict_obs
        self.action_space = spaces.Box(-1.0, 1.0, (1,), np.float32)
        self.observation_space = _observation_space(2, -1.0, 1.0, dict_obs)
        self._x = 0.0
        self._target = 0.0
        self._steps = 0

    def _obs(self) -> Any:
        return _observation(np.array([self._x, self._target], dtype=np.float32), self.dict_obs)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict]:
        """Draw a start and a target at least ``0.5`` apart."""
        super().reset(seed=seed)
        self._x, self._target = 0.0, 0.0
        while abs(self._target - self._x) < 0.5:
            self._x, self._target = (float(v) for v in self.np_random.uniform(-1.0, 1.0, 2))
        self._steps = 0
        return self._obs(), {"is_success": False}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        """Move by a quarter of the (clipped) action."""
        move = float(np.clip(np.asarray(action, dtype=np.float64).reshape(-1)[0], -1.0, 1.0))
        self._x = float(np.clip(self._x + 0.25 * move, -1.0, 1.0))
        self._steps += 1
        distance = abs(self._target - self._x)
        success = distance < self.tolerance
        info = {"is_success": success}
        return self._obs(), -distance, success, self._steps >= self.max_steps, info


class FixedEpisodes(gym.Env):
    """Every episode lasts exactly ``episode_length`` steps, each rewarding ``1``.

    When ``macro_steps`` is set, every step reports ``info["macro_steps"] = macro_steps``, as a coded
    action that ran that many primitive steps does. The last step reports ``is_success = True``.

    :param kind: ``"discrete"`` (``Discrete(3)`` actions) or ``"continuous"`` (``Box(-1, 1, (1,))``).
    :param episode_length: steps per episode.
    :param macro_steps: primitive steps each step claims to use, or ``None`` for plain steps.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(
        self, kind: str = "discrete", episode_length: int = 10, macro_steps: int | None = None
    ) -> None:
        self.episode_length = episode_length
        self.macro_steps = macro_steps
        self.action_space = _action_space(kind)
        self.observation_space = spaces.Box(0.0, 1.0, (1,), np.float32)
        self._steps = 0

    def _obs(self) -> np.ndarray:
        return np.array([self._steps / self.episode_length], dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict]:
        """Start the countdown."""
        super().reset(seed=seed)
        self._steps = 0
        return self._obs(), {}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        """Advance one (macro) step."""
        self._steps += 1
        done = self._steps >= self.episode_length
        info: dict[str, Any] = {"is_success": done}
        if self.macro_steps is not None:
            info["macro_steps"] = self.macro_steps
        return self._obs(), 1.0, done, False, info


def _action_space(kind: str) -> spaces.Space:
    """The contract's action space of one kind."""
    if kind == "discrete":
        return spaces.Discrete(3)
    if kind == "continuous":
        return spaces.Box(-1.0, 1.0, (1,), np.float32)
    raise ValueError(f"unknown action-space kind {kind!r} - use 'discrete' or 'continuous'")


def evaluate(learner: Learner, env: gym.Env, episodes: int, seed: int = 10_000) -> float:
    """Fraction of ``episodes`` the learner's deterministic policy ends with ``is_success``."""
    successes = 0
    for episode in range(episodes):
        obs, info = env.reset(seed=seed + episode)
        terminated = truncated = False
        while not (terminated or truncated):
            obs, _, terminated, truncated, info = env.step(learner.predict(obs, deterministic=True))
        successes += bool(info.get("is_success", False))
    return successes / episodes


def _sample_observations(env: gym.Env, count: int, seed: int = 0) -> list[Any]:
    """Observations the env really produces: resets plus a few random steps."""
    observations = []
    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    for _ in range(count):
        observations.append(obs)
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            obs, _ = env.reset()
    return observations


def _check_budget(budget: int, result: TrainingResult) -> None:
    """Reported steps are about the budget: at least 90% of it, never more than twice it."""
    assert budget * 0.9 <= result.timesteps <= 2 * budget, f"asked {budget} steps, used {result.timesteps}"


def _same_action(a: Any, b: Any) -> bool:
    """Equal discrete actions, or continuous ones equal to float tolerance."""
    return bool(np.allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), atol=1e-6))


class LearnerContract(Contract):
    """Checks every :class:`rlgpt.Learner` plugin must pass; subclass it in a ``Test*`` class.

    :cvar learner_name: the name the learner registers under.
    :cvar action_space: the action-space kind to check it on: ``"discrete"`` or ``"continuous"``.
    :cvar hyperparameters: keywords passed to the learner's factory in every test.
    :cvar learning_budgets: env steps the learning test trains for, per action-space kind.
    :cvar success_threshold: eval success rate the learning test requires.
    :cvar eval_episodes: episodes the learning test evaluates.
    :cvar episode_length: steps per episode of the fixed-length env.
    :cvar plugins: the plugins whose registry the learner is looked up in (default: every
        installed one).
    """

    __contract_kit__ = True
    learner_name: ClassVar[str] = ""
    action_space: ClassVar[str] = ""
    plugins: ClassVar[PluginSelection] = PluginSelection()
    hyperparameters: ClassVar[dict[str, Any]] = {}
    learning_budgets: ClassVar[dict[str, int]] = {"discrete": 2_048, "continuous": 1_500}
    success_threshold: ClassVar[float] = 0.8
    eval_episodes: ClassVar[int] = 20
    episode_length: ClassVar[int] = 10

    def learner_spec(self) -> LearnerSpec:
        """The learner's registered spec (from the plugin registry)."""
        learners = self.plugins.registry().learners
        if self.learner_name not in learners:
            known = ", ".join(sorted(learners)) or "none"
            pytest.fail(
                f"learner {self.learner_name!r} is not registered (learners: {known}) - "
                "install the plugin or fix learner_name"
            )
        return learners[self.learner_name]

    def make_learner(self, env_fn: EnvFn, **kwargs: Any) -> Learner:
        """Build the learner through its spec's factory with the class's hyperparameters."""
        if self.action_space not in ("discrete", "continuous"):
            pytest.fail(f"set action_space to 'discrete' or 'continuous', not {self.action_space!r}")
        learner = self.learner_spec().factory(env_fn, **{**self.hyperparameters, **kwargs})
        assert isinstance(learner, Learner), f"factory returned {type(learner).__name__}, not a Learner"
        return learner

    def task_env_fn(self, dict_obs: bool = False) -> EnvFn:
        """Picklable factory of the learning env for this action-space kind."""
        env_cls = Corridor if self.action_space == "discrete" else Reach
        return functools.partial(env_cls, dict_obs=dict_obs)

    def fixed_env_fn(self, macro_steps: int | None = None) -> EnvFn:
        """Picklable factory of the fixed-length env for this action-space kind."""
        return functools.partial(
            FixedEpisodes, kind=self.action_space, episode_length=self.episode_length, macro_steps=macro_steps
        )

    def test_spec_declares_action_space(self) -> None:
        """The spec names the action-space kind this contract trains it on."""
        spec = self.learner_spec()
        assert spec.name == self.learner_name
        assert self.action_space in spec.action_spaces, (
            f"spec.action_spaces is {sorted(spec.action_spaces)}; it must contain {self.action_space!r}"
        )

    def train_on_task(self) -> tuple[Learner, TrainingResult]:
        """A fresh learner (seed 0) trained on the task env for the learning budget."""
        learner = self.make_learner(self.task_env_fn(), seed=0)
        return learner, learner.learn(self.learning_budgets[self.action_space])

    @pytest.fixture(scope="class")
    @classmethod
    def trained(cls) -> tuple[Learner, TrainingResult]:
        """:meth:`train_on_task`, shared by the tests of one class."""
        return cls().train_on_task()

    def test_learning_reaches_goal(self, trained: tuple[Learner, TrainingResult]) -> None:
        """After the learning budget, the deterministic policy solves most eval episodes."""
        learner, result = trained
        success = evaluate(learner, self.task_env_fn()(), self.eval_episodes)
        assert success >= self.success_threshold, (
            f"{self.learner_name} solved {success:.0%} of eval episodes after {result.timesteps} steps "
            f"(needs {self.success_threshold:.0%})"
        )

    def test_budget_is_respected(self) -> None:
        """Reported steps match the budget and the episodes the env really ran."""
        budget = 300
        result = self.make_learner(self.fixed_env_fn()).learn(budget)
        assert isinstance(result, TrainingResult)
        _check_budget(budget, result)
        assert len(result.episodes) == result.timesteps // self.episode_length, (
            f"{result.timesteps} steps of {self.episode_length}-step episodes, "
            f"but {len(result.episodes)} episodes recorded"
        )
        assert result.wall_time_s > 0

    def test_macro_steps_count_toward_budget(self) -> None:
        """A step reporting ``info["macro_steps"] = k`` spends ``k`` steps of the budget."""
        budget, k = 800, 4
        result = self.make_learner(self.fixed_env_fn(macro_steps=k)).learn(budget)
        episode_cost = self.episode_length * k
        _check_budget(budget, result)
        assert len(result.episodes) == result.timesteps // episode_cost, (
            f"{result.timesteps} primitive steps finish {result.timesteps // episode_cost} episodes "
            f"of {episode_cost} primitive steps, but {len(result.episodes)} were recorded"
        )
        expected = [episode_cost * (i + 1) for i in range(len(result.episodes))]
        assert [point.timestep for point in result.episodes] == expected

    def test_episode_points(self) -> None:
        """Episodes carry increasing timesteps, lengths, returns and success; a second learn continues."""
        learner = self.make_learner(self.fixed_env_fn())
        first = learner.learn(250)
        second = learner.learn(250)
        points = first.episodes + second.episodes
        assert len(first.episodes) >= 20 and len(second.episodes) >= 20
        timesteps = [point.timestep for point in points]
        assert timesteps == sorted(set(timesteps)), f"episode timesteps not increasing: {timesteps}"
        assert second.episodes[0].timestep > first.timesteps, "a second learn() must continue the step count"
        for point in points:
            assert point.length == self.episode_length
            assert point.episode_return == pytest.approx(float(self.episode_length))
            assert point.success is True

    def test_predict_returns_action_in_space(self, trained: tuple[Learner, TrainingResult]) -> None:
        """``predict`` maps real observations to actions of the env's action space."""
        env = self.task_env_fn()()
        learner, _ = trained
        for obs in _sample_observations(env, 20):
            for deterministic in (True, False):
                action = learner.predict(obs, deterministic=deterministic)
                assert env.action_space.contains(action), f"{action!r} is not in {env.action_space}"

    def test_dict_observations(self) -> None:
        """Dict observation spaces train and predict."""
        env = self.task_env_fn(dict_obs=True)()
        learner = self.make_learner(self.task_env_fn(dict_obs=True))
        assert learner.learn(200).timesteps >= 180
        for obs in _sample_observations(env, 5):
            assert env.action_space.contains(learner.predict(obs))

    def test_save_load_round_trip(self, trained: tuple[Learner, TrainingResult], tmp_path: Path) -> None:
        """A learner loading another's checkpoint predicts exactly as the saved one does."""
        learner, _ = trained
        path = learner.save(tmp_path / "policy")
        assert Path(path) == tmp_path / "policy", f"save(path) must write exactly path, not {path}"
        assert Path(path).is_file(), f"save() returned {path}, which is not a file"
        observations = _sample_observations(self.task_env_fn()(), 30)
        expected = [learner.predict(obs) for obs in observations]
        restored = self.make_learner(self.task_env_fn(), seed=1)
        restored.load(path)
        pairs = zip(observations, expected, strict=True)
        mismatches = sum(not _same_action(restored.predict(obs), action) for obs, action in pairs)
        assert mismatches == 0, f"{mismatches}/{len(observations)} predictions differ after load()"

    def test_checkpoint_written(self, tmp_path: Path) -> None:
        """``learn`` leaves a loadable checkpoint in ``checkpoint_dir``, a folder that does not exist yet."""
        learner = self.make_learner(self.fixed_env_fn(), checkpoint_dir=tmp_path / "ckpt")
        result = learner.learn(100)
        assert result.checkpoint is not None and Path(result.checkpoint).is_file()
        assert Path(result.checkpoint).parent == tmp_path / "ckpt"
        self.make_learner(self.fixed_env_fn()).load(result.checkpoint)

    def test_periodic_checkpoints(self, tmp_path: Path) -> None:
        """A spec with ``periodic_checkpoints`` writes a loadable checkpoint into ``checkpoint_dir`` each
        time ``checkpoint_every`` more steps are done and tells ``on_checkpoint(path, steps_done)``."""
        if not self.learner_spec().periodic_checkpoints:
            pytest.skip("the spec declares no periodic checkpoints")
        saved: list[tuple[Path, int]] = []
        learner = self.make_learner(self.fixed_env_fn(), checkpoint_dir=tmp_path / "periodic")
        learner.learn(
            350, checkpoint_every=100, on_checkpoint=lambda path, done: saved.append((Path(path), done))
        )
        assert [done // 100 for _, done in saved] == [1, 2, 3], (
            f"checkpoints after {[d for _, d in saved]} steps"
        )
        assert all(path.is_file() and path.parent == tmp_path / "periodic" for path, _ in saved), saved
        self.make_learner(self.fixed_env_fn()).load(saved[0][0])

    def test_closing_keeps_predict(self) -> None:
        """``with`` closes the learner on leaving; predict still works, and closing again does nothing."""
        env = self.fixed_env_fn()()
        with self.make_learner(self.fixed_env_fn()) as learner:
            learner.learn(50)
        for obs in _sample_observations(env, 3):
            assert env.action_space.contains(learner.predict(obs))
        learner.close()

    def test_progress_is_reported(self) -> None:
        """``on_progress(done, total)`` advances to the total."""
        calls: list[tuple[int, int]] = []
        learner = self.make_learner(self.fixed_env_fn())
        learner.learn(300, on_progress=lambda done, total: calls.append((done, total)))
        assert calls, "on_progress was never called"
        done = [d for d, _ in calls]
        assert done == sorted(done) and all(total == 300 for _, total in calls)
        assert done[-1] >= 300
