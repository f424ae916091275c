"""The :class:`rlgpt.Learner` implementation over a stable-baselines3 algorithm."""

from __future__ import annotations

import contextlib
import inspect
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from gymnasium import spaces
from rlgpt import ProgressCallback, TrainingResult
from stable_baselines3.common.base_class import BaseAlgorithm

from rlgpt_sb3.algorithms import Algorithm, with_masks
from rlgpt_sb3.budget import BudgetCallback, BudgetReached
from rlgpt_sb3.progress import progress_reporter
from rlgpt_sb3.vec import EnvFn, action_space_kind, has_action_masks, make_vec_env, policy_for

CheckpointCallback = Callable[[Path, int], None]
"""``on_checkpoint(path, steps_done)``: a periodic checkpoint was written ``steps_done`` steps into learn."""

# Model attribute holding the primitive env steps trained so far; SB3 saves it with the checkpoint.
_ENV_STEPS = "primitive_env_steps"
_SUGGESTION = {"discrete": "ppo", "continuous": "sac"}


class SB3Learner:
    """A stable-baselines3 algorithm bound to a vectorised training env.

    :param algorithm: which algorithm, with its defaults.
    :param env_fn: picklable zero-argument callable building one training env.
    :param seed: seed of the algorithm and of the envs (env ``i`` gets ``seed + i``).
    :param n_envs: envs stepped in parallel; more than one runs them in subprocesses.
    :param checkpoint_dir: where ``learn`` writes its end-of-call checkpoint (none when ``None``).
    :param hyperparameters: any keyword of the SB3 algorithm's constructor, plus ``policy`` (the SB3
        policy name; chosen from the observation space by default) and ``torch_threads`` (default: the
        process's ``OMP_NUM_THREADS``, as ``rlgpt bench`` sets it from the CPUs per trial, else 1).
    """

    def __init__(
        self,
        algorithm: Algorithm,
        env_fn: EnvFn,
        *,
        seed: int = 0,
        n_envs: int = 1,
        checkpoint_dir: Path | None = None,
        **hyperparameters: Any,
    ) -> None:
        params = algorithm.resolve(hyperparameters)
        _set_torch_threads(params.pop("torch_threads", _declared_threads()))
        policy = params.pop("policy", None)
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self._env = make_vec_env(env_fn, n_envs)
        try:
            algorithm = with_masks(algorithm, has_action_masks(self._env))
            self.algorithm = algorithm
            _check_action_space(algorithm, self._env.action_space)
            policy = policy or policy_for(self._env.observation_space)
            self._model: BaseAlgorithm = algorithm.cls(policy, self._env, seed=seed, **params)
        except BaseException:
            self._env.close()
            raise
        setattr(self._model, _ENV_STEPS, 0)

    @property
    def model(self) -> BaseAlgorithm:
        """The underlying SB3 model."""
        return self._model

    @property
    def env_steps(self) -> int:
        """Primitive env steps trained on so far, over all ``learn`` calls (and the loaded checkpoint)."""
        return int(getattr(self._model, _ENV_STEPS, self._model.num_timesteps))

    def learn(
        self,
        total_timesteps: int,
        *,
        progress_bar: bool = False,
        on_progress: ProgressCallback | None = None,
        checkpoint_every: int | None = None,
        on_checkpoint: CheckpointCallback | None = None,
    ) -> TrainingResult:
        """Train for ``total_timesteps`` primitive env steps, continuing from earlier calls.

        Stops as soon as the budget is reached (a vectorised step may pass it by at most one
        macro step per env). Writes a checkpoint into ``checkpoint_dir`` at the end when one is set,
        and every ``checkpoint_every`` primitive steps of this call before the end, each followed by
        ``on_checkpoint(path, steps_done)``: a run stopped mid-training resumes from the latest.
        """
        if not isinstance(total_timesteps, int) or total_timesteps < 1:
            raise ValueError(f"total_timesteps must be a positive integer, got {total_timesteps!r}")
        periodic = self._periodic(checkpoint_every, on_checkpoint)
        started = time.perf_counter()
        start = self.env_steps
        label = f"{self.algorithm.name} training"
        reporter = progress_reporter(total_timesteps, bar=progress_bar, on_progress=on_progress, label=label)
        with reporter as report:
            budget = BudgetCallback(
                total_timesteps, start=start, on_progress=report, every=checkpoint_every, on_every=periodic
            )
            with contextlib.suppress(BudgetReached):
                self._model.learn(total_timesteps, callback=budget, reset_num_timesteps=False)
            budget.flush()
        wall_time = time.perf_counter() - started
        setattr(self._model, _ENV_STEPS, start + budget.done)
        checkpoint = self._save_numbered() if self.checkpoint_dir is not None else None
        return TrainingResult(
            timesteps=budget.done,
            wall_time_s=wall_time,
            episodes=tuple(budget.episodes),
            checkpoint=checkpoint,
            extra={"algorithm": self.algorithm.name, "total_env_steps": self.env_steps},
        )

    def _periodic(
        self, every: int | None, on_checkpoint: CheckpointCallback | None
    ) -> Callable[[int], None] | None:
        """What the budget callback calls every ``every`` steps: save, then tell ``on_checkpoint``."""
        if every is None:
            return None
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"checkpoint_every must be a positive integer, got {every!r} - or None for none")
        if self.checkpoint_dir is None:
            raise ValueError("checkpoint_every needs a checkpoint_dir - pass checkpoint_dir= to the factory")
        start = self.env_steps

        def save(done: int) -> None:
            setattr(self._model, _ENV_STEPS, start + done)
            path = self._save_numbered()
            if on_checkpoint is not None:
                on_checkpoint(path, done)

        return save

    def _save_numbered(self) -> Path:
        """Save as ``<checkpoint_dir>/<learner>_<primitive steps>_steps.zip``."""
        assert self.checkpoint_dir is not None
        return self.save(self.checkpoint_dir / f"{self.algorithm.name}_{self.env_steps}_steps.zip")

    def predict(self, obs: Any, *, deterministic: bool = True, action_masks: Any = None) -> Any:
        """Action for one un-batched observation (an ``int`` for Discrete action spaces).

        ``action_masks`` (allowed actions) is honoured by masked models and ignored by the others.
        """
        return predict_action(self._model, obs, deterministic=deterministic, action_masks=action_masks)

    def save(self, path: Path) -> Path:
        """Write an SB3 ``.zip`` checkpoint to exactly ``path`` (folders created) and return it.

        The file is written beside ``path`` and renamed into place, so an interrupted save never
        leaves a partial checkpoint at ``path``.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        try:
            with open(partial, "wb") as handle:  # a file object: SB3 adds no suffix
                self._model.save(handle)
            os.replace(partial, path)
        except BaseException:  # a full disk, an interrupt: leave nothing half-written behind
            partial.unlink(missing_ok=True)
            raise
        return path

    def load(self, path: Path) -> None:
        """Restore policy, optimiser state and step counters from a checkpoint written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no checkpoint at {path} - pass the .zip path that save() returned")
        # a checkpoint keeps the TensorBoard folder it was trained with: this learner logs into its own
        own_log = self._model.tensorboard_log
        self._model = self.algorithm.cls.load(
            path, env=self._env, device=self._model.device, tensorboard_log=own_log
        )

    def close(self) -> None:
        """Close the training envs (and their subprocesses); predict still works."""
        self._env.close()

    def __enter__(self) -> SB3Learner:
        """The learner itself; leaving the block closes it."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the training envs."""
        self.close()


def predict_action(model: BaseAlgorithm, obs: Any, *, deterministic: bool, action_masks: Any = None) -> Any:
    """One action of ``model`` for one observation; masks go to models that take them (MaskablePPO)."""
    if action_masks is not None and _takes_masks(model):
        action, _ = model.predict(obs, deterministic=deterministic, action_masks=action_masks)
    else:
        action, _ = model.predict(obs, deterministic=deterministic)
    return int(action) if isinstance(model.action_space, spaces.Discrete) else action


def _takes_masks(model: BaseAlgorithm) -> bool:
    return "action_masks" in inspect.signature(model.predict).parameters


def _declared_threads() -> int:
    """The CPU threads this process was given (``OMP_NUM_THREADS``); 1 when unset or unreadable."""
    value = os.environ.get("OMP_NUM_THREADS", "").split(",")[0]
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _set_torch_threads(threads: Any) -> None:
    """Set torch's intra-op threads; one by default, as several threads slow small models down."""
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"torch_threads must be a positive integer, got {threads!r} - e.g. torch_threads=1")
    torch.set_num_threads(threads)


def _check_action_space(algorithm: Algorithm, action_space: spaces.Space) -> None:
    """One-line error when the env's action space is not the kind the algorithm trains on."""
    kind = action_space_kind(action_space)
    if kind in algorithm.action_spaces:
        return
    hint = f" - use learner {_SUGGESTION[kind]!r}" if kind in _SUGGESTION else ""
    raise ValueError(
        f"learner {algorithm.name!r} trains on {' and '.join(sorted(algorithm.action_spaces))} actions, "
        f"the env has {action_space}{hint}"
    )
