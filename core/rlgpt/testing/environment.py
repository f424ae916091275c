"""``EnvironmentContract``: the tests every environment plugin must pass.

Subclass it in your plugin's tests and name the registered environment::

    from rlgpt.testing import EnvironmentContract

    class TestMyEnv(EnvironmentContract):
        env_name = "myenv"

Set ``obs_mode`` to check a single observation mode (default: every mode the spec
lists). A contract test the environment cannot pass is overridden with
``@pytest.mark.xfail(reason="...")``; any other override is an error (see
:mod:`rlgpt.testing.guard`).
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from rlgpt.plugins import PluginSelection
from rlgpt.skills import Actuator, EpisodeOver, StepBudgetExceeded, skill_names, undocumented_skills
from rlgpt.specs import EnvironmentSpec
from rlgpt.testing.guard import Contract


def same_value(a: Any, b: Any) -> bool:
    """Structural equality of observations: arrays, dicts, tuples and scalars."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(np.array_equal(np.asarray(a), np.asarray(b)))


class EnvironmentContract(Contract):
    """Base class of an environment plugin's contract tests.

    :cvar env_name: the name the environment registers under.
    :cvar obs_mode: check only this observation mode (``None``: all of the spec's modes).
    :cvar determinism_steps: steps compared by the seeded-determinism test.
    :cvar seed: the seed used by the tests.
    :cvar rollout_steps: random steps of the long rollouts (every observation checked against the
        space, every task's success predicate called on every step's ``info``).
    :cvar skill_calls: calls of the skill API's no-argument skills, in a seeded random order, that
        drive the environment as generated code does (same checks on every step).
    :cvar plugins: the plugins whose registry the environment is looked up in (default: every
        installed one).
    """

    __contract_kit__ = True
    env_name: str
    obs_mode: str | None = None
    determinism_steps: int = 25
    seed: int = 123
    rollout_steps: int = 1000
    skill_calls: int = 150
    plugins: PluginSelection = PluginSelection()

    @pytest.fixture
    def spec(self) -> EnvironmentSpec:
        """The environment's spec from the plugin registry."""
        registry = self.plugins.registry()
        environments = registry.environments
        if self.env_name not in environments and registry.errors:
            failures = "; ".join(
                f"{e.entry_point} ({e.distribution}): {type(e.exception).__name__}: {e.exception}"
                for e in registry.errors
            )
            pytest.fail(
                f"environment {self.env_name!r} is not registered because a plugin failed to load: {failures}"
            )
        assert self.env_name in environments, (
            f"environment {self.env_name!r} is not registered "
            f"(registered: {', '.join(sorted(environments)) or 'none'}); implement register_environments "
            "and declare the module under [project.entry-points.rlgpt]"
        )
        return environments[self.env_name]

    def modes(self, spec: EnvironmentSpec) -> Sequence[str]:
        """The observation modes under test."""
        return (self.obs_mode,) if self.obs_mode is not None else spec.observation_modes

    def make_env(self, spec: EnvironmentSpec, obs_mode: str, task: str | None = None) -> gymnasium.Env:
        """Build the environment through its spec (the first task when ``task`` is not given)."""
        task_id = task if task is not None else spec.tasks[0].id
        return spec.make(task=task_id, obs_mode=obs_mode, max_episode_steps=None, render_mode=None)

    def rollout(self, env: gymnasium.Env, steps: int) -> Iterator[tuple[Any, float, dict[str, Any]]]:
        """Reset with :attr:`seed` and take ``steps`` actions from a seeded action space sample."""
        obs, info = env.reset(seed=self.seed)
        yield obs, 0.0, info
        env.action_space.seed(self.seed)
        for _ in range(steps):
            obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
            yield obs, float(reward), info
            if terminated or truncated:
                obs, info = env.reset(seed=self.seed + 1)
                yield obs, 0.0, info

    def test_registered(self, spec: EnvironmentSpec) -> None:
        """The spec is well formed: name, entry point, modes, unique tasks with budgets."""
        assert spec.name == self.env_name
        assert ":" in spec.entry_point, f"entry_point {spec.entry_point!r} must be 'module:callable'"
        assert spec.description.strip(), "the spec's description is empty"
        assert spec.observation_modes, "the spec lists no observation modes"
        if self.obs_mode is not None:
            assert self.obs_mode in spec.observation_modes, (
                f"obs_mode {self.obs_mode!r} is not one of {spec.observation_modes}"
            )
        ids = [task.id for task in spec.tasks]
        assert ids, "the spec has no tasks"
        assert len(ids) == len(set(ids)), f"task ids are not unique: {ids}"
        for task in spec.tasks:
            assert task.instruction.strip(), f"task {task.id!r} has an empty instruction"
            assert task.max_episode_steps >= 1, f"task {task.id!r} has budget {task.max_episode_steps}"

    def test_check_env(self, spec: EnvironmentSpec) -> None:
        """Gymnasium's ``check_env`` passes in every observation mode under test."""
        for mode in self.modes(spec):
            env = self.make_env(spec, mode)
            try:
                check_env(env, skip_render_check=True)
            except Exception as exc:
                raise AssertionError(f"check_env failed in obs_mode {mode!r}: {exc}") from exc
            finally:
                env.close()

    def test_seeded_determinism(self, spec: EnvironmentSpec) -> None:
        """Same seed and actions give the same observations and rewards."""
        for mode in self.modes(spec):
            first, second = self.make_env(spec, mode), self.make_env(spec, mode)
            try:
                runs = zip(
                    self.rollout(first, self.determinism_steps),
                    self.rollout(second, self.determinism_steps),
                    strict=True,
                )
                for step, ((obs_a, rew_a, _), (obs_b, rew_b, _)) in enumerate(runs):
                    assert same_value(obs_a, obs_b), f"obs_mode {mode!r}: observations differ at step {step}"
                    assert rew_a == rew_b, f"obs_mode {mode!r}: rewards differ at step {step}"
            finally:
                first.close()
                second.close()

    def test_success_predicates(self, spec: EnvironmentSpec) -> None:
        """Every task's success predicate takes a real ``info`` and returns a bool."""
        mode = self.modes(spec)[0]
        for task in spec.tasks:
            env = self.make_env(spec, mode, task.id)
            try:
                for _, _, info in self.rollout(env, 3):
                    result = task.success(info)
                    assert isinstance(result, bool | np.bool_), (
                        f"task {task.id!r}: success(info) returned {type(result).__name__}, not bool"
                    )
            finally:
                env.close()

    def check_step(self, spec: EnvironmentSpec, env: gymnasium.Env, where: str, obs: Any, info: Any) -> None:
        """One step's checks: the observation is in the space; every task's success takes the ``info``."""
        assert env.observation_space.contains(obs), (
            f"{where}: the observation is outside observation_space {env.observation_space}: {obs!r}"[:600]
        )
        for task in spec.tasks:
            try:
                result = task.success(info)
            except Exception as exc:
                raise AssertionError(
                    f"{where}: task {task.id!r}: success(info) raised {type(exc).__name__}: {exc}"
                ) from exc
            assert isinstance(result, bool | np.bool_), (
                f"{where}: task {task.id!r}: success(info) returned {type(result).__name__}, not bool"
            )

    def test_long_rollouts(self, spec: EnvironmentSpec) -> None:
        """Random rollouts of :attr:`rollout_steps` steps pass :meth:`check_step` on every step."""
        for mode in self.modes(spec):
            env = self.make_env(spec, mode)
            try:
                for step, (obs, _, info) in enumerate(self.rollout(env, self.rollout_steps)):
                    self.check_step(spec, env, f"obs_mode {mode!r}, random rollout step {step}", obs, info)
            finally:
                env.close()

    def test_skill_api_drives_the_env(self, spec: EnvironmentSpec) -> None:
        """The skills generated code calls (those without required arguments) act, observe and never
        raise on real states; every step they take passes :meth:`check_step`."""
        skills = _callable_skills(spec.skill_api)
        if not skills:
            pytest.skip(f"{spec.skill_api.__name__} has no skill callable without arguments")
        mode = self.modes(spec)[0]
        env = self.make_env(spec, mode)
        chooser = random.Random(self.seed)
        steps = 0

        def step(action: Any) -> Any:
            nonlocal steps
            result = env.step(action)
            steps += 1
            self.check_step(spec, env, f"obs_mode {mode!r}, skill step {steps}", result[0], result[4])
            return result

        try:
            obs, info = env.reset(seed=self.seed)
            for call in range(self.skill_calls):
                name = chooser.choice(skills)
                actuator = Actuator(step=step, obs=obs, info=info, budget=200)
                try:
                    getattr(spec.skill_api(actuator), name)()
                except (StepBudgetExceeded, EpisodeOver):
                    pass
                except AssertionError:
                    raise
                except Exception as exc:
                    raise AssertionError(
                        f"skill {name!r} raised {type(exc).__name__}: {exc} (call {call}, step {steps})"
                    ) from exc
                obs, info = actuator.obs, actuator.info
                if actuator.terminated or actuator.truncated:
                    obs, info = env.reset(seed=self.seed + call + 1)
        finally:
            env.close()

    def test_skills_documented(self, spec: EnvironmentSpec) -> None:
        """Every public skill has a docstring (it goes into the fast agent's prompt)."""
        missing = undocumented_skills(spec.skill_api)
        assert not missing, f"skills without a docstring in {spec.skill_api.__name__}: {', '.join(missing)}"

    def test_describe(self, spec: EnvironmentSpec) -> None:
        """``describe(obs, info)`` returns non-empty text in every mode under test."""
        for mode in self.modes(spec):
            env = self.make_env(spec, mode)
            try:
                obs, info = env.reset(seed=self.seed)
                text = spec.describe(obs, info)
                assert isinstance(text, str) and text.strip(), f"obs_mode {mode!r}: describe() gave {text!r}"
            finally:
                env.close()

    def test_gymnasium_make(self, spec: EnvironmentSpec) -> None:
        """``gymnasium.make("rlgpt/<name>-v0")`` builds and resets the environment."""
        self.plugins.registry()  # building the registry mirrors environments into Gymnasium
        env = gymnasium.make(f"rlgpt/{spec.name}-v0", task=spec.tasks[0].id)
        try:
            obs, _ = env.reset(seed=self.seed)
            assert env.observation_space.contains(obs), "the reset observation is outside observation_space"
        finally:
            env.close()

    def test_primitive_actions_match_action_space(self, spec: EnvironmentSpec) -> None:
        """Discrete envs: one primitive action name per action index; continuous envs: a Box."""
        env = self.make_env(spec, self.modes(spec)[0])
        try:
            space = env.action_space
            if spec.continuous:
                assert isinstance(space, gymnasium.spaces.Box), f"continuous env has {space}, not a Box"
            else:
                assert isinstance(space, gymnasium.spaces.Discrete), f"discrete env has {space}"
                assert int(space.n) == len(spec.primitive_actions), (
                    f"action space has {space.n} actions but primitive_actions names "
                    f"{len(spec.primitive_actions)}: {spec.primitive_actions}"
                )
                names = spec.primitive_actions
                assert len(set(names)) == len(names), f"duplicate primitive action names: {names}"
        finally:
            env.close()


def _callable_skills(api_cls: type) -> list[str]:
    """Public skills callable without arguments (methods whose parameters all have defaults)."""
    names = []
    for name in skill_names(api_cls):
        member = inspect.getattr_static(api_cls, name)
        if not inspect.isfunction(member):
            continue
        params = list(inspect.signature(member).parameters.values())[1:]
        required = [
            p
            for p in params
            if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        if not required:
            names.append(name)
    return names
