"""The two-level RL-GPT loop: the only module that knows the order of things.

Outer loop, once per iteration: the slow agent plans; the fast agent writes every
sub-task's program (inner loop: each rejection goes back to it with the exact
reason, up to ``max_fixes`` times); the learner trains every RL sub-task in plan
order; the plan is evaluated; the critic (or an automatic summary) feeds back.
The run stops at the target success rate, at ``max_iterations``, or on a dead loop.

Ablations run through the same :class:`Loop`: methods ``rl-gpt``, ``pure-rl``
(the learner on the primitive actions with the task reward, no LLM) and
``pure-code`` (every sub-task is code); agent structures ``one-agent``,
``slow+fast`` and ``slow+fast+critic``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from rlgpt.agents.base import (
    CodeRequest,
    CritiqueContext,
    IterationFeedback,
    MalformedAnswer,
    PlanningContext,
)
from rlgpt.agents.schemas import Critique, Plan, Subtask
from rlgpt.code import DEFAULT_ALLOWED_MODULES, CodeRejected, DryRunSpec, dry_run, extract_program
from rlgpt.config import RunConfig, validate_against_registry
from rlgpt.envs import SubtaskOutcome, run_chain
from rlgpt.execution import (
    DONE,
    TASK_SUCCESS,
    CodeLimits,
    PlanRuntime,
    build_training_env,
    class_path,
    required_functions,
    signatures,
)
from rlgpt.llm import build_llm
from rlgpt.llm.types import LLMError
from rlgpt.metrics import IterationRecord, RunSummary
from rlgpt.plugins import Registry, get_registry
from rlgpt.recording import RecordingLLM
from rlgpt.runs import RunDirectory

AGENTS_WITH_CRITIC = "slow+fast+critic"
ONE_AGENT = "one-agent"
FINAL_STATUSES = ("target_reached", "max_iterations", "dead_loop")


@dataclass
class _Evaluation:
    successes: int = 0
    steps: int = 0
    reached: Counter[str] = field(default_factory=Counter)
    stops: dict[str, Counter[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    macros: dict[str, Counter[str]] = field(default_factory=dict)
    macro_failures: dict[str, Counter[str]] = field(default_factory=dict)
    failure_states: dict[str, str] = field(default_factory=dict)

    def add(self, outcome: SubtaskOutcome, state: Callable[[], str]) -> None:
        """Count one sub-task outcome; ``state()`` describes the end state, asked for only when needed."""
        self.stops.setdefault(outcome.name, Counter())[outcome.stop] += 1
        self.reached[outcome.name] += int(outcome.reached)
        if outcome.error:
            self.errors[outcome.name] = outcome.error
        self.macros.setdefault(outcome.name, Counter()).update(outcome.macro_counts)
        self.macro_failures.setdefault(outcome.name, Counter()).update(outcome.macro_failures)
        if not outcome.reached and outcome.name not in self.failure_states:
            self.failure_states[outcome.name] = state()


class Loop:
    """Runs (or resumes) one RL-GPT run in its run directory.

    :param config: the validated run configuration.
    :param run: the run directory (created or reopened).
    :param registry: installed plugins.
    :param console: where progress goes (``rich``).
    :param progress_bar: show the learner's progress bar.
    """

    def __init__(
        self,
        config: RunConfig,
        run: RunDirectory,
        registry: Registry | None = None,
        *,
        console: Console | None = None,
        progress_bar: bool = True,
    ) -> None:
        self.config = config
        self.run_dir = run
        self.registry = registry or get_registry()
        self.console = console or Console(stderr=True)
        self.progress_bar = progress_bar
        self.env_spec = self.registry.environment(config.env)
        self.task = self.env_spec.task(config.task)
        self.obs_mode = config.obs_mode or self.env_spec.observation_modes[0]
        self._llm: RecordingLLM | None = None

    @classmethod
    def from_config(cls, config: RunConfig, registry: Registry | None = None, **kwargs: Any) -> Loop:
        """Validate ``config`` against the installed plugins and create a fresh run directory."""
        registry = registry or get_registry()
        validate_against_registry(config, registry)
        run = RunDirectory.create(
            config.runs_dir, config.env, config.task, config.model_dump(mode="json"), name=config.name
        )
        return cls(config, run, registry, **kwargs)

    @classmethod
    def resume(cls, path: Path, registry: Registry | None = None, **kwargs: Any) -> Loop:
        """Reopen a run directory; :meth:`run` continues after its last finished iteration."""
        run = RunDirectory.open(path)
        config = RunConfig.model_validate(run.config)
        registry = registry or get_registry()
        validate_against_registry(config, registry)
        return cls(config, run, registry, **kwargs)

    # ------------------------------------------------------------------ the outer loop

    def run(self) -> RunSummary:
        """Iterate until the target, the iteration limit or a dead loop; returns the summary."""
        log = self.run_dir.read_events()
        records = [IterationRecord.from_dict(e["record"]) for e in log.of_kind("iteration_end")]
        ended = log.last("run_end")
        if ended and ended["summary"]["iterations"] == len(records):
            self.console.print(
                f"[bold]{self.run_dir.path}[/] already finished ({ended['summary']['status']})"
            )
            return RunSummary(**ended["summary"])
        self.run_dir.append_event("run_start", resumed_after=len(records))
        self.registry.hook.on_run_start(run=self.run_dir)
        status = self._status(records)
        try:
            while status is None:
                record = self._iteration(len(records), records)
                records.append(record)
                self.run_dir.append_event("iteration_end", record=record.to_dict())
                self.registry.hook.on_iteration_end(run=self.run_dir, record=record)
                self._print_record(record)
                status = self._status(records)
        except (LLMError, KeyboardInterrupt) as exc:
            self.run_dir.append_event("run_interrupted", error=str(exc), iteration=len(records))
            raise
        summary = RunSummary.from_records(status, records)
        self.run_dir.append_event("run_end", summary=summary.to_dict())
        self.registry.hook.on_run_end(run=self.run_dir, summary=summary)
        self._write_report()
        return summary

    def _status(self, records: list[IterationRecord]) -> str | None:
        if not records:
            return None
        if records[-1].success_rate >= self.config.target_success and records[-1].episodes:
            return "target_reached"
        if records[-1].dead_loop:
            return "dead_loop"
        if len(records) >= self.config.max_iterations:
            return "max_iterations"
        return None

    def _iteration(self, iteration: int, earlier: list[IterationRecord]) -> IterationRecord:
        started = time.perf_counter()
        record = IterationRecord(iteration=iteration)
        if self.config.method != "pure-rl":  # pure RL never asks an LLM
            self._recording_llm().usage = record.llm
        history = tuple(_feedback(r) for r in earlier)
        self.console.rule(f"iteration {iteration}")
        plan, planner = self._plan(iteration, history, record)
        if plan is not None:
            previous = earlier[-1] if earlier else None
            programs = self._write_programs(iteration, plan, planner, previous, record)
            runtime = self._runtime(plan, programs)
            predictors = self._train(iteration, runtime, record)
            evaluation = self._evaluate(runtime, predictors, record)
            record.summary = _summarise(plan, evaluation, record.episodes)
            critique = self._critique(iteration, plan, record, evaluation)
            record.critique = critique.model_dump() if critique else None
            record.fingerprint = _fingerprint(plan, programs) if self.config.method != "pure-rl" else ""
            record.plan = plan.model_dump()
            record.programs = programs
        else:  # the same unusable answer again is a repeat too
            record.fingerprint = hashlib.sha256(f"unusable plan: {record.summary}".encode()).hexdigest()
        self._detect_dead_loop(record, earlier)
        record.wall_time_s = time.perf_counter() - started
        return record

    # ------------------------------------------------------------------ plan

    def _plan(
        self, iteration: int, history: tuple[IterationFeedback, ...], record: IterationRecord
    ) -> tuple[Plan | None, Any]:
        if self.config.method == "pure-rl":
            only = Subtask(
                name="task", description=self.task.instruction, method="rl", done_condition=TASK_SUCCESS
            )
            return Plan(subtasks=[only], rationale="pure RL: the learner on the primitive actions"), None
        agent_name = ONE_AGENT if self.config.agents == ONE_AGENT else self.config.planner
        planner = self.registry.planner(agent_name).factory(self._llm, **self._agent_options())
        context = PlanningContext(self.env_spec, self.task, history)
        self.console.print("[cyan]planner[/] decomposing the task")
        try:
            plan = planner.plan(context, self._tags("planner", iteration))
        except MalformedAnswer as exc:
            record.malformed("planner")
            record.summary = f"The planner's answer was unusable: {exc.error}"
            self.run_dir.append_event("plan_rejected", iteration=iteration, error=exc.error)
            return None, planner
        if self.config.method == "pure-code":
            plan = _all_code(plan)
        self.run_dir.append_event("plan", iteration=iteration, plan=plan.model_dump())
        return plan, planner

    # ------------------------------------------------------------------ code (inner loop)

    def _write_programs(
        self,
        iteration: int,
        plan: Plan,
        planner: Any,
        previous: IterationRecord | None,
        record: IterationRecord,
    ) -> dict[str, str]:
        if self.config.method == "pure-rl":
            return {}
        coder = planner if self.config.agents == ONE_AGENT else self._coder()
        programs: dict[str, str] = {}
        for subtask in plan.subtasks:
            reused = _reusable(subtask, previous)
            if reused is not None:
                programs[subtask.name] = reused
                self.run_dir.append_event("code_reused", iteration=iteration, subtask=subtask.name)
                continue
            source = self._write_program(iteration, plan, subtask, coder, previous, record)
            if source is not None:
                programs[subtask.name] = source
        return programs

    def _write_program(
        self,
        iteration: int,
        plan: Plan,
        subtask: Subtask,
        coder: Any,
        previous: IterationRecord | None,
        record: IterationRecord,
    ) -> str | None:
        required = required_functions(subtask, self.env_spec.continuous)
        request = CodeRequest(
            env=self.env_spec,
            task=self.task,
            plan=plan,
            subtask=subtask,
            required=required,
            step_budget=self.config.code.macro_step_budget,
            timeout_s=self.config.code.call_timeout_s,
            allowed_modules=tuple(DEFAULT_ALLOWED_MODULES),
            feedback=_coder_feedback(subtask, previous),
        )
        self.console.print(f"[cyan]coder[/] writing {subtask.name} ({subtask.method})")
        answer = coder.write(request, self._tags("coder", iteration, subtask.name, 0))
        folder = f"code/iter-{iteration}"
        for attempt in range(self.config.max_fixes + 1):
            try:
                program = extract_program(answer, signatures(required))
                self._check_program(required, program.source, record)
            except CodeRejected as rejection:
                record.reject(rejection.reason)
                self.run_dir.write_text(f"{folder}/{subtask.name}.attempt-{attempt}.rejected.txt", answer)
                self.run_dir.append_event(
                    "code_rejected",
                    iteration=iteration,
                    subtask=subtask.name,
                    attempt=attempt,
                    reason=rejection.reason,
                    message=rejection.message,
                )
                self.console.print(f"  [yellow]rejected[/] ({rejection.reason}): {rejection.message[:160]}")
                if attempt == self.config.max_fixes:
                    return None
                tags = self._tags("coder", iteration, subtask.name, attempt + 1)
                answer = coder.fix(request, answer, rejection.message, tags)
                continue
            self.run_dir.write_text(f"{folder}/{subtask.name}.py", program.source)
            self.run_dir.append_event(
                "code_accepted",
                iteration=iteration,
                subtask=subtask.name,
                attempt=attempt,
                digest=program.digest,
            )
            return program.source
        return None

    def _check_program(
        self, required: dict[str, tuple[str, ...]], source: str, record: IterationRecord
    ) -> None:
        """Dry-run every required function in a child process with CPU and memory limits."""
        code = self.config.code
        for name in required:
            spec = DryRunSpec(
                env_entry_point=self.env_spec.entry_point,
                env_kwargs=self._env_kwargs(),
                skill_api=class_path(self.env_spec.skill_api),
                source=source,
                function=name,
                kind="predicate" if name == DONE else "action",
                call_args=self._parameter_probe if name != DONE and self.env_spec.continuous else (),
                seed=self.config.seed,
                step_budget=code.macro_step_budget,
                call_timeout_s=code.call_timeout_s,
                cpu_s=code.dry_run_timeout_s,
                memory_mb=code.dry_run_memory_mb,
                wall_s=code.dry_run_timeout_s + 30,
            )
            result = dry_run(spec)
            record.env_steps["dry_run"] += result.steps
            if not result.ok:
                assert result.error is not None
                raise result.error

    # ------------------------------------------------------------------ train

    def _runtime(self, plan: Plan, programs: dict[str, str]) -> PlanRuntime:
        return PlanRuntime(
            env_entry_point=self.env_spec.entry_point,
            env_kwargs=self._env_kwargs(),
            skill_api=class_path(self.env_spec.skill_api),
            task_ref=(self.env_spec.name, self.task.id),
            plan=plan.model_dump(),
            programs=programs,
            learner=self.config.learner.name,
            limits=CodeLimits(self.config.code.macro_step_budget, self.config.code.call_timeout_s),
            continuous=self.env_spec.continuous,
            primitive_actions=self.env_spec.primitive_actions,
        )

    def _train(self, iteration: int, runtime: PlanRuntime, record: IterationRecord) -> dict[str, Any]:
        """Train the RL sub-tasks in plan order; returns ``name -> predict``."""
        rl_indices = [i for i, s in enumerate(runtime.parsed_plan.subtasks) if s.method == "rl"]
        if not rl_indices:
            return {}
        spec = self.registry.learner(self.config.learner.name)
        budget = max(1, self.config.learner.total_timesteps // len(rl_indices))
        predictors: dict[str, Any] = {}
        checkpoints: dict[str, str] = {}
        for index in rl_indices:
            name = runtime.parsed_plan.subtasks[index].name
            current = dataclasses.replace(runtime, checkpoints=dict(checkpoints))  # the ones trained so far
            env_fn = functools.partial(build_training_env, current, index, self.task.max_episode_steps)
            self.console.print(f"[cyan]learner[/] {spec.name} training {name} for {budget} env steps")
            checkpoint_dir = self.run_dir.subdir(f"checkpoints/iter-{iteration}/{name}")
            learner = spec.factory(
                env_fn,
                seed=self.config.seed + iteration,
                n_envs=self.config.learner.n_envs,
                checkpoint_dir=checkpoint_dir,
                **self.config.learner.hyperparameters,
            )
            result = learner.learn(budget, progress_bar=self.progress_bar)
            checkpoint = result.checkpoint or learner.save(checkpoint_dir / "policy.zip")
            close = getattr(learner, "close", None)
            if close:  # free training envs (vectorised-env subprocesses); predict needs none
                close()
            checkpoints[name] = str(checkpoint)
            predictors[name] = functools.partial(learner.predict, deterministic=True)
            record.env_steps["train"] += result.timesteps
            record.train_fps = result.fps
            self.run_dir.write_json(
                f"curves/iter-{iteration}-{name}.json",
                {
                    "subtask": name,
                    "timesteps": result.timesteps,
                    "episodes": [e.__dict__ for e in result.episodes],
                },
            )
            self.run_dir.append_event(
                "trained",
                iteration=iteration,
                subtask=name,
                timesteps=result.timesteps,
                fps=result.fps,
                checkpoint=str(checkpoint),
            )
        return predictors

    # ------------------------------------------------------------------ evaluate

    def _evaluate(
        self, runtime: PlanRuntime, predictors: dict[str, Any], record: IterationRecord
    ) -> _Evaluation:
        episodes = self.config.evaluation.episodes
        default_steps = self.task.max_episode_steps
        policies = [
            runtime.policy(i, default_steps, predictors) for i in range(len(runtime.parsed_plan.subtasks))
        ]
        env = runtime.make_env()
        evaluation = _Evaluation()
        self.console.print(f"[cyan]evaluating[/] {episodes} episodes")
        for episode in range(episodes):
            obs, info = env.reset(seed=10_000 + 1_000 * self.config.seed + episode)
            chain = run_chain(env, policies, obs, info)
            evaluation.steps += chain.steps
            evaluation.successes += int(bool(self.task.success(chain.info)))
            state = functools.partial(self.env_spec.describe, chain.obs, chain.info)
            for outcome in chain.outcomes:
                evaluation.add(outcome, state)
        env.close()
        record.episodes, record.successes = episodes, evaluation.successes
        record.env_steps["eval"] += evaluation.steps
        record.subtask_success = {
            s.name: evaluation.reached[s.name] / episodes for s in runtime.parsed_plan.subtasks
        }
        self.run_dir.append_event(
            "evaluated", iteration=record.iteration, successes=evaluation.successes, episodes=episodes
        )
        return evaluation

    # ------------------------------------------------------------------ critique

    def _critique(
        self, iteration: int, plan: Plan, record: IterationRecord, evaluation: _Evaluation
    ) -> Critique | None:
        if self.config.method == "pure-rl" or self.config.agents != AGENTS_WITH_CRITIC:
            return None
        critic = self.registry.critic(self.config.critic).factory(self._llm, **self._agent_options())
        context = CritiqueContext(
            env=self.env_spec,
            task=self.task,
            plan=plan,
            episodes=record.episodes,
            success_rate=record.success_rate,
            rollouts=record.summary,
        )
        self.console.print("[cyan]critic[/] reading the rollouts")
        try:
            critique = critic.critique(context, self._tags("critic", iteration))
        except MalformedAnswer as exc:
            record.malformed("critic")
            self.run_dir.append_event("critique_rejected", iteration=iteration, error=exc.error)
            return None
        self.run_dir.append_event("critique", iteration=iteration, critique=critique.model_dump())
        return critique

    # ------------------------------------------------------------------ dead loops

    def _detect_dead_loop(self, record: IterationRecord, earlier: list[IterationRecord]) -> None:
        if not record.fingerprint:
            return
        best_before = max((r.success_rate for r in earlier), default=0.0)
        seen = {r.fingerprint for r in earlier}
        record.repeated = record.fingerprint in seen and record.success_rate <= best_before
        streak = 0
        for r in [*earlier, record][::-1]:
            if not r.repeated:
                break
            streak += 1
        record.dead_loop = streak >= self.config.dead_loop_patience

    # ------------------------------------------------------------------ helpers

    def _recording_llm(self) -> RecordingLLM:
        if self._llm is None:
            llm_config = self.config.llm
            inner = build_llm(
                self.registry.llm_backend(llm_config.backend),
                llm_config.model,
                dict(llm_config.options),
                cache_path=self.run_dir.path / "llm-cache.sqlite" if llm_config.cache else None,
            )
            self._llm = RecordingLLM(inner, self.run_dir)
        return self._llm

    def _coder(self) -> Any:
        return self.registry.coder(self.config.coder).factory(self._llm, **self._agent_options())

    def _agent_options(self) -> dict[str, Any]:
        return {"temperature": self.config.llm.temperature, "max_tokens": self.config.llm.max_tokens}

    def _tags(
        self, role: str, iteration: int, subtask: str | None = None, attempt: int = 0
    ) -> dict[str, str]:
        tags = {
            "env": self.env_spec.name,
            "task": self.task.id,
            "method": self.config.method,
            "agents": self.config.agents,
            "role": role,
            "iteration": str(iteration),
            "attempt": str(attempt),
        }
        if subtask:
            tags["subtask"] = subtask
        return tags

    @functools.cached_property
    def _parameter_probe(self) -> tuple[list[float]]:
        """Mid-range parameters for dry-running a parameterised coded action (continuous envs)."""
        env = self.env_spec.make(**self._env_kwargs())
        space = env.action_space
        env.close()
        return (((space.low + space.high) / 2).tolist(),)

    def _env_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"task": self.task.id, "obs_mode": self.obs_mode, **self.task.env_kwargs}
        if self.config.evaluation.max_episode_steps:
            kwargs["max_episode_steps"] = self.config.evaluation.max_episode_steps
        return kwargs

    def _print_record(self, record: IterationRecord) -> None:
        low, high = record.interval
        steps = sum(record.env_steps.values())
        self.console.print(
            f"[bold]iteration {record.iteration}[/]: success {record.success_rate:.2f} "
            f"[{low:.2f}, {high:.2f}] over {record.episodes} episodes, {steps} env steps, "
            f"{record.llm.tokens} LLM tokens"
            + (", [red]repeats an earlier attempt[/]" if record.repeated else "")
        )

    def _write_report(self) -> None:
        from rlgpt.report import write_report

        path = write_report(self.run_dir.path)
        self.console.print(f"report: {path}")


def _all_code(plan: Plan) -> Plan:
    """Pure-code: every sub-task is solved by a program."""
    subtasks = [
        s.model_copy(update={"method": "code", "coded_actions": [], "primitives": []}) for s in plan.subtasks
    ]
    return plan.model_copy(update={"subtasks": subtasks})


def _reusable(subtask: Subtask, previous: IterationRecord | None) -> str | None:
    """The previous iteration's program for an unchanged sub-task that worked."""
    if previous is None or previous.plan is None:
        return None
    before = {s["name"]: s for s in previous.plan["subtasks"]}
    if before.get(subtask.name) != subtask.model_dump():
        return None
    if previous.subtask_success.get(subtask.name, 0.0) < 1.0:
        return None
    if previous.critique:
        for verdict in previous.critique.get("verdicts", []):
            if verdict["subtask"] == subtask.name and verdict["verdict"] != "ok":
                return None
    return previous.programs.get(subtask.name)


def _coder_feedback(subtask: Subtask, previous: IterationRecord | None) -> str:
    if previous is None:
        return ""
    lines = []
    if previous.critique:
        lines += [
            f"- {v['verdict']}: {v['reason']}"
            for v in previous.critique["verdicts"]
            if v["subtask"] == subtask.name
        ]
        if previous.critique.get("coder_feedback"):
            lines.append(f"- {previous.critique['coder_feedback']}")
    elif previous.summary:
        lines.append(previous.summary)
    return "\n".join(lines)


def _fingerprint(plan: Plan, programs: dict[str, str]) -> str:
    """Normalised hash of a plan and its programs (formatting and comments do not count)."""
    from rlgpt.code import normalised_digest

    payload = {
        "plan": plan.model_dump(exclude={"rationale"}),
        "programs": {name: normalised_digest(source) for name, source in sorted(programs.items())},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _summarise(plan: Plan, evaluation: _Evaluation, episodes: int) -> str:
    """The rollouts in words: what the critic and the next planner read."""
    lines = [f"{evaluation.successes}/{episodes} episodes solved the task."]
    for subtask in plan.subtasks:
        name = subtask.name
        stops = evaluation.stops.get(name)
        if not stops:
            lines.append(f"- {name}: never started (an earlier sub-task failed).")
            continue
        started = sum(stops.values())
        reached = evaluation.reached[name]
        line = f"- {name} ({subtask.method}): reached in {reached}/{started} runs; stops {dict(stops)}"
        if name in evaluation.errors:
            line += f"; error: {evaluation.errors[name]}"
        if evaluation.macros.get(name):
            line += f"; macros chosen {dict(evaluation.macros[name])}"
        if evaluation.macro_failures.get(name):
            line += f"; macros that could not apply {dict(evaluation.macro_failures[name])}"
        lines.append(line)
        if name in evaluation.failure_states:
            lines.append(f"  state where it failed: {evaluation.failure_states[name]}")
    return "\n".join(lines)


def _feedback(record: IterationRecord) -> IterationFeedback:
    plan = Plan.model_validate(record.plan) if record.plan else None
    critique = Critique.model_validate(record.critique) if record.critique else None
    return IterationFeedback(record.iteration, plan, record.success_rate, record.summary, critique)
