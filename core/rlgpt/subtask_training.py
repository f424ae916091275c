"""Training a plan's RL sub-tasks in plan order, and what a resumed run keeps of that training.

A run stopped and resumed does not pay twice: a sub-task an earlier process finished training (same
plan and programs, by their digest) is reused from its checkpoint; one it stopped half-way continues
from its latest periodic checkpoint (``learner.checkpoint_every``) with the rest of the budget; a
method that continues learning carries the previous iteration's policy on. A checkpoint that cannot
be loaded is named in a ``checkpoint_unusable`` event and the sub-task trains again. Every step of
this is an event of the run's log.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rlgpt.config import RunConfig
from rlgpt.execution import PlanRuntime, build_training_env
from rlgpt.learning import Learner
from rlgpt.methods import Method
from rlgpt.metrics import IterationRecord
from rlgpt.plugins import Registry
from rlgpt.runs import RunDirectory
from rlgpt.specs import EnvironmentSpec, LearnerSpec, TaskSpec
from rlgpt.textbound import bound_text
from rlgpt.tracking import Tracker

Emit = Callable[..., None]
"""``emit(kind, **data)``: append an event to the run's log and tell the observers."""

DoneBefore = Callable[..., "dict[str, Any] | None"]
"""``done_before(kind, iteration, subtask, **same)``: an earlier process's last such event, if any."""


def curve_file(iteration: int, subtask: str) -> str:
    """Where the learning curve of ``subtask``'s training in ``iteration`` is written in the run."""
    return f"curves/iter-{iteration}-{subtask}.json"


@dataclasses.dataclass
class SubtaskTrainer:
    """Trains the RL sub-tasks of one run.

    :param config: the run's configuration (learner, seed).
    :param registry: installed plugins (the learner).
    :param method: what the run trains (:meth:`~rlgpt.methods.Method.trains`) and whether
        learning continues across iterations.
    :param env: the environment (its primitive actions, for the events).
    :param task: the task (its episode length).
    :param run_dir: the run directory (checkpoints, curves, events).
    :param tracker: experiment tracking (the learner's logging options).
    :param emit: writes an event.
    :param done_before: finds what an earlier process of the run finished.
    :param progress_bar: show the learner's progress bar.
    """

    config: RunConfig
    registry: Registry
    method: Method
    env: EnvironmentSpec
    task: TaskSpec
    run_dir: RunDirectory
    tracker: Tracker
    emit: Emit
    done_before: DoneBefore
    progress_bar: bool = True

    def train(
        self, iteration: int, runtime: PlanRuntime, record: IterationRecord, digest: str
    ) -> dict[str, Any]:
        """Train the RL sub-tasks of ``runtime``'s plan in order (``digest``: of the plan and its
        programs); returns ``name -> predict`` and counts steps and episodes into ``record``."""
        rl_indices = [i for i, s in enumerate(runtime.parsed_plan.subtasks) if self.method.trains(s)]
        if not rl_indices:
            return {}
        spec = self.registry.learner(self.config.learner.name)
        budget = max(1, self.config.learner.total_timesteps // len(rl_indices))
        predictors: dict[str, Any] = {}
        checkpoints: dict[str, str] = {}
        for index in rl_indices:
            name = runtime.parsed_plan.subtasks[index].name
            self._note_missing_coded_actions(iteration, runtime, index)
            reused = self._reuse_training(iteration, name, digest, spec)
            if reused is not None:
                checkpoints[name], predictors[name], timesteps = reused
                self._count_reused_curve(record, iteration, name)
                record.env_steps["train"] += timesteps
                continue
            current = dataclasses.replace(runtime, checkpoints=dict(checkpoints))  # the ones trained so far
            checkpoints[name], predictors[name] = self._train_one(
                iteration, current, index, spec, budget, digest, record
            )
        return predictors

    def _train_one(
        self,
        iteration: int,
        runtime: PlanRuntime,
        index: int,
        spec: LearnerSpec,
        budget: int,
        digest: str,
        record: IterationRecord,
    ) -> tuple[str, Callable[..., Any]]:
        """Train sub-task ``index`` for ``budget`` steps (less what an earlier process trained);
        returns its checkpoint and ``predict``."""
        name = runtime.parsed_plan.subtasks[index].name
        env_fn = functools.partial(build_training_env, runtime, index, self.task.max_episode_steps)
        self.emit("training", iteration=iteration, subtask=name, learner=spec.name, timesteps=budget)
        checkpoint_dir = self.run_dir.subdir(f"checkpoints/iter-{iteration}/{name}")
        tracking = self.tracker.learner_options(spec, iteration, name)
        learner = spec.factory(
            env_fn,
            seed=self.config.seed + iteration,
            n_envs=self.config.learner.n_envs,
            checkpoint_dir=checkpoint_dir,
            **{**self.config.learner.hyperparameters, **tracking},
        )
        with learner:  # closing frees the training envs; predict needs none
            done = self._resume_training(learner, iteration, name, digest)
            continues = self.method.continues_learning and not done
            earlier = self._earlier_checkpoint(iteration, name) if continues else None
            if earlier is not None:  # one learner across iterations: policy and optimiser carry on
                self._continue_from(learner, earlier, iteration, name)
            periodic = self._periodic_checkpoints(iteration, name, digest, done)
            result = learner.learn(max(1, budget - done), progress_bar=self.progress_bar, **periodic)
            checkpoint = result.checkpoint or learner.save(checkpoint_dir / "policy.zip")
        record.env_steps["train"] += done + result.timesteps
        record.train_fps = result.fps
        record.count_training(name, [e.success for e in result.episodes])
        self.run_dir.write_json(
            curve_file(iteration, name),
            {
                "subtask": name,
                "timesteps": result.timesteps,
                "episodes": [e.__dict__ for e in result.episodes],
            },
        )
        self.emit(
            "trained",
            iteration=iteration,
            subtask=name,
            timesteps=done + result.timesteps,
            fps=result.fps,
            checkpoint=self.run_dir.relative(checkpoint),
            digest=digest,
        )
        return str(checkpoint), learner.predict

    def _note_missing_coded_actions(self, iteration: int, runtime: PlanRuntime, index: int) -> None:
        """Say so when an RL sub-task trains without its coded actions (its program was rejected).

        It still trains, on its kept primitives, until the task's success: that is what the
        learner can do without the program, and the record says so.
        """
        subtask = runtime.parsed_plan.subtasks[index]
        if not subtask.coded_actions or subtask.name in runtime.programs:
            return
        self.emit(
            "coded_actions_missing",
            iteration=iteration,
            subtask=subtask.name,
            coded_actions=[action.name for action in subtask.coded_actions],
            trains_on=list(subtask.primitives) or list(self.env.primitive_actions),
            done_condition="the task's success",
        )

    def _earlier_checkpoint(self, iteration: int, subtask: str) -> Path | None:
        """The checkpoint the previous iteration trained for ``subtask``, if it trained one."""
        events = self.run_dir.read_events().of_kind("trained")
        found = [e for e in events if e.get("iteration") == iteration - 1 and e.get("subtask") == subtask]
        stored = found[-1].get("checkpoint") if found else None
        return self.run_dir.stored_path(stored) if stored else None

    def _resume_training(self, learner: Learner, iteration: int, subtask: str, digest: str) -> int:
        """Load the latest periodic checkpoint an earlier process wrote while training ``subtask`` (same
        plan and programs) and return the primitive steps it had trained; 0 when there is none or it
        cannot be loaded (then the training starts over)."""
        saved = self.done_before("training_checkpoint", iteration, subtask, digest=digest)
        if saved is None:
            return 0
        path = self.run_dir.stored_path(str(saved.get("checkpoint", "")))
        try:
            learner.load(path)
        except Exception as exc:  # missing, truncated, another learner's: whatever fails, start over
            self._checkpoint_unusable(iteration, subtask, path, exc, "training it from the start")
            return 0
        done = int(saved.get("timesteps", 0))
        self.emit(
            "training_resumed",
            iteration=iteration,
            subtask=subtask,
            checkpoint=self.run_dir.relative(path),
            timesteps=done,
        )
        return done

    def _periodic_checkpoints(self, iteration: int, subtask: str, digest: str, done: int) -> dict[str, Any]:
        """``learn``'s keywords for ``learner.checkpoint_every``: each periodic checkpoint becomes a
        ``training_checkpoint`` event (its path relative to the run, the sub-task's steps so far, which
        count ``done`` from an earlier process), for :meth:`_resume_training`. None when it is unset."""
        every = self.config.learner.checkpoint_every
        if every is None:
            return {}

        def saved(path: Path, steps: int) -> None:
            self.emit(
                "training_checkpoint",
                iteration=iteration,
                subtask=subtask,
                checkpoint=self.run_dir.relative(path),
                timesteps=done + steps,
                digest=digest,
            )

        return {"checkpoint_every": every, "on_checkpoint": saved}

    def _reuse_training(
        self, iteration: int, subtask: str, digest: str, spec: LearnerSpec
    ) -> tuple[str, Callable[..., Any], int] | None:
        """``(checkpoint, predict, timesteps)`` of what an earlier process trained for ``subtask`` with
        the same plan and programs; ``None`` when it trained nothing or its checkpoint cannot be loaded
        (then the sub-task is trained again)."""
        trained = self.done_before("trained", iteration, subtask, digest=digest)
        if trained is None or spec.load_policy is None:
            return None
        path = self.run_dir.stored_path(str(trained.get("checkpoint", "")))
        try:
            predict = spec.load_policy(path)
        except Exception as exc:  # missing, truncated, another learner's: whatever fails, train again
            self._checkpoint_unusable(iteration, subtask, path, exc, "training it again")
            return None
        stored = self.run_dir.relative(path)
        self.emit("training_reused", iteration=iteration, subtask=subtask, checkpoint=stored)
        return str(path), predict, int(trained.get("timesteps", 0))

    def _count_reused_curve(self, record: IterationRecord, iteration: int, subtask: str) -> None:
        """Count the training episodes of a reused checkpoint from its curve file (unreadable: none)."""
        try:
            curve = json.loads((self.run_dir.path / curve_file(iteration, subtask)).read_text("utf-8"))
            successes = [episode.get("success") for episode in curve["episodes"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return
        record.count_training(subtask, successes)

    def _continue_from(self, learner: Learner, checkpoint: Path, iteration: int, subtask: str) -> None:
        """Load the previous iteration's ``checkpoint`` into ``learner``; one that cannot be loaded is
        named and the learner starts afresh."""
        try:
            learner.load(checkpoint)
        except Exception as exc:  # missing, truncated, another learner's: whatever fails, start afresh
            self._checkpoint_unusable(iteration, subtask, checkpoint, exc, "training a new policy")

    def _checkpoint_unusable(
        self, iteration: int, subtask: str, path: Path, exc: Exception, instead: str
    ) -> None:
        """Name a checkpoint that cannot be loaded (an event; the console prints it as a warning)."""
        error = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
        self.emit(
            "checkpoint_unusable",
            iteration=iteration,
            subtask=subtask,
            checkpoint=self.run_dir.relative(path),
            error=bound_text(error, 300),
            instead=instead,
        )
