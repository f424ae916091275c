"""Evaluating an iteration's plan: which policies drive its RL sub-tasks, and how the plan does.

After training, :meth:`PlanEvaluator.deployed` says what drives the RL sub-tasks: the trained
policies acting as evaluation has them act (greedily, or sampling under ``evaluation.deterministic =
false``), or, with ``evaluation.validation_episodes``, whichever of them and the plan's coded actions
alone did best on the validation worlds (:mod:`rlgpt.policy_selection`). :meth:`PlanEvaluator.evaluate`
then runs the plan on the run's evaluation worlds, counts successes and steps into the iteration's
record and writes the end state of each failed sub-task as a frame.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any

from rich.console import Console

from rlgpt.frames import RGB_ARRAY, png_frame, renders_rgb
from rlgpt.observers import episode_progress
from rlgpt.policy_selection import TRAINED, Predictors, judge, rule_candidates, validate
from rlgpt.rollouts import EvaluationTally
from rlgpt.worlds import evaluation_world

if TYPE_CHECKING:
    from rlgpt.agents.schemas import Plan
    from rlgpt.config import RunConfig
    from rlgpt.execution import PlanRuntime
    from rlgpt.metrics import IterationRecord
    from rlgpt.runs import RunDirectory
    from rlgpt.specs import EnvironmentSpec, TaskSpec
    from rlgpt.subtask_training import Emit


@dataclasses.dataclass
class PlanEvaluator:
    """Validates and evaluates the plans of one run.

    :param config: the run's configuration (seed, ``[evaluation]``).
    :param env: the environment (its renderer and state description).
    :param task: the task (its success predicate and episode length).
    :param run_dir: the run directory (frames).
    :param emit: writes an event.
    :param env_kwargs: the environment's keyword arguments (to ask whether it renders frames).
    :param console: where the evaluation's progress bar goes.
    :param progress_bar: show it.
    """

    config: RunConfig
    env: EnvironmentSpec
    task: TaskSpec
    run_dir: RunDirectory
    emit: Emit
    env_kwargs: dict[str, Any]
    console: Console
    progress_bar: bool = True

    def deployed(self, runtime: PlanRuntime, trained: dict[str, Any], record: IterationRecord) -> Predictors:
        """What drives the RL sub-tasks in evaluation: the ``trained`` policies (``name -> predict``) as
        evaluation has them act, or the coded action alone that beat them on the validation worlds
        (``evaluation.validation_episodes``; what validation chose goes into ``record``)."""
        if not self.config.evaluation.deterministic:  # sampled, as they acted in training
            trained = {name: functools.partial(p, deterministic=False) for name, p in trained.items()}
        episodes = self.config.evaluation.validation_episodes
        rules = rule_candidates(runtime, self.config.seed) if episodes and trained else {}
        if not rules:
            return lambda episode: trained
        candidates: dict[str, Predictors] = {TRAINED: lambda episode: trained, **rules}
        self.emit("validating", iteration=record.iteration, episodes=episodes, candidates=list(candidates))
        selection = validate(
            runtime,
            self.task.success,
            candidates,
            seed=self.config.seed,
            episodes=episodes,
            default_steps=self.task.max_episode_steps,
        )
        record.env_steps["validation"] = record.env_steps.get("validation", 0) + selection.steps
        record.selection = selection.to_dict()
        self.emit("validated", iteration=record.iteration, **record.selection)
        return candidates[selection.chosen]

    def evaluate(
        self, runtime: PlanRuntime, predictors: Predictors, record: IterationRecord
    ) -> EvaluationTally:
        """Run the plan on the evaluation worlds, its RL sub-tasks driven by ``predictors(episode)``;
        the episodes, successes, steps and per-sub-task success go into ``record``."""
        episodes = self.config.evaluation.episodes
        default_steps = self.task.max_episode_steps
        deterministic = self.config.evaluation.deterministic
        subtasks = runtime.parsed_plan.subtasks
        env = runtime.make_env(self._frame_render_mode)
        frame = functools.partial(png_frame, env) if self._frame_render_mode else None
        evaluation = EvaluationTally()
        self.emit("evaluating", iteration=record.iteration, episodes=episodes, deterministic=deterministic)
        with episode_progress(self.console, episodes, enabled=self.progress_bar) as advance:
            for episode in range(episodes):
                world = evaluation_world(self.config.seed, episode)
                chain = runtime.run_episode(env, predictors(episode), default_steps, world)
                evaluation.steps += chain.steps
                evaluation.successes += int(self._solved(chain.info, evaluation))
                state = functools.partial(self.env.describe, chain.obs, chain.info)
                for outcome in chain.outcomes:
                    evaluation.add(outcome, state, frame)
                advance()
        env.close()
        self._write_frames(record.iteration, runtime.parsed_plan, evaluation)
        record.episodes, record.successes = episodes, evaluation.successes
        record.env_steps["eval"] += evaluation.steps
        record.subtask_success = {s.name: evaluation.reached[s.name] / episodes for s in subtasks}
        self.emit("evaluated", iteration=record.iteration, successes=evaluation.successes, episodes=episodes)
        return evaluation

    @functools.cached_property
    def _frame_render_mode(self) -> str | None:
        """``"rgb_array"`` when evaluation renders frames: asked for and listed in the env's render modes."""
        if not self.config.evaluation.frames:
            return None
        env = self.env.make(**self.env_kwargs)
        renders = renders_rgb(env)
        env.close()
        return RGB_ARRAY if renders else None

    def _write_frames(self, iteration: int, plan: Plan, evaluation: EvaluationTally) -> None:
        """Write the frames of failed sub-tasks as ``frames/iter-<i>-<sub-task>.png``, in plan order."""
        files = {}
        for subtask in plan.subtasks:
            if subtask.name in evaluation.frames:
                path = f"frames/iter-{iteration}-{subtask.name}.png"
                self.run_dir.write_bytes(path, evaluation.frames[subtask.name])
                files[subtask.name] = path
        if files:
            self.emit("frames", iteration=iteration, files=files)

    def _solved(self, info: dict[str, Any], evaluation: EvaluationTally) -> bool:
        """The task's success predicate on an episode's last ``info``; raising counts as not solved."""
        solved, error = judge(self.task.success, info)
        if error:
            evaluation.task_errors[f"task {self.task.id!r}: {error}"] += 1
        return solved
