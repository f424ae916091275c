"""The two-level RL-GPT loop: the only module that knows the order of things.

Outer loop, once per iteration: the slow agent plans; the fast agent writes every
sub-task's program (inner loop: each rejection goes back to it with the exact
reason, up to ``max_fixes`` times); the learner trains every RL sub-task in plan
order; the plan is evaluated; the critic (or an automatic summary) feeds back.
The run stops at the target success rate, at ``max_iterations``, or on a dead loop.

What varies between runs is data the loop is given, not branches in it: the
run's :class:`~rlgpt.methods.Method` (``rl-gpt``, ``pure-rl``, ``pure-code`` or a
plugin's) says what is planned, coded and trained; its
:class:`~rlgpt.specs.AgentStructure` (``slow+fast+critic``, ``slow+fast``,
``one-agent`` or a plugin's) says who plans, codes and critiques. Progress is
written as events and told to observers (plugins, and the console).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from rlgpt.agents.base import (
    Agents,
    CritiqueContext,
    IterationFeedback,
    MalformedAnswer,
    PlanningContext,
)
from rlgpt.agents.conversation import normalise_answer
from rlgpt.agents.feedback_tags import feedback_tags, rollout_tags
from rlgpt.agents.schemas import Critique, Plan
from rlgpt.code.mutations import MutatingLLM
from rlgpt.coding import ProgramWriter, SampledLLM
from rlgpt.config import LLM_ROLES, LLMConfig, RunConfig, validate_against_registry
from rlgpt.execution import (
    CodeLimits,
    PlanRuntime,
    class_path,
)
from rlgpt.interrupts import is_storage_error
from rlgpt.llm import build_llm
from rlgpt.llm.cache import default_cache_path
from rlgpt.llm.roles import RoleRouter
from rlgpt.llm.types import LLM, LLMError
from rlgpt.metrics import IterationRecord, RunSummary
from rlgpt.observers import ConsoleObserver, Observers
from rlgpt.plan_evaluation import PlanEvaluator
from rlgpt.plugins import Registry, get_registry
from rlgpt.recording import RecordingLLM
from rlgpt.rollouts import call_failure_lines, selection_lines, summarise, training_lines
from rlgpt.runs import EventLog, RunDirectory, RunDirectoryError
from rlgpt.skill_memory import SkillMemory
from rlgpt.subtask_training import SubtaskTrainer
from rlgpt.textbound import bound_values
from rlgpt.tracking import Tracker

FINAL_STATUSES = ("target_reached", "max_iterations", "dead_loop")
CALL_FAILURES_FILE = "code-call-failures.jsonl"
"""Every failed call of an accepted program, appended by whichever process made it."""


class Loop:
    """Runs (or resumes) one RL-GPT run in its run directory.

    :param config: the validated run configuration.
    :param run: the run directory (created or reopened).
    :param registry: installed plugins.
    :param console: where the console observer prints progress (``rich``).
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
        self.method = self.registry.method(config.method)
        if self.registry.selection is None:
            raise ValueError("Loop needs a registry built by build_registry() or PluginSelection.registry()")
        self.plugins = self.registry.selection
        self.tracker = Tracker(config.logging, config.model_dump(mode="json"), self.console)
        self.observers = Observers(self.registry.hook, [ConsoleObserver(self.console), self.tracker])
        self._llm: RecordingLLM | None = None
        self._agents: Agents | None = None
        self._earlier: list[dict[str, Any]] = []
        self._failures_read = 0
        """Events written before this process took over the run (resume reuses their finished work)."""

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
        self._earlier = log.events
        records, ended = _progress(log)
        if ended and ended.iterations == len(records):
            self.console.print(f"[bold]{self.run_dir.path}[/] already finished ({ended.status})")
            return ended
        self._emit("run_start", resumed_after=len(records))
        self.observers.notify("on_run_start", run=self.run_dir)
        status = self._status(records)
        try:
            while status is None:
                record = self._iteration(len(records), records)
                records.append(record)
                self._emit("iteration_end", record=record.to_dict())
                self.observers.notify("on_iteration_end", run=self.run_dir, record=record)
                status = self._status(records)
        except (LLMError, KeyboardInterrupt, OSError) as exc:
            if isinstance(exc, OSError) and not is_storage_error(exc):
                raise
            with contextlib.suppress(OSError):  # the disk that stopped the run may refuse this event too
                self._emit("run_interrupted", error=str(exc) or type(exc).__name__, iteration=len(records))
            raise
        finally:
            self._close_llm()
            self.tracker.close()
        summary = RunSummary.from_records(status, records)
        self._emit("run_end", summary=summary.to_dict())
        self.observers.notify("on_run_end", run=self.run_dir, summary=summary)
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
        agents = self._agents_for(record)
        history = tuple(_feedback(r) for r in earlier)
        self._emit("iteration_start", iteration=iteration)
        plan = self._plan(iteration, history, agents, record)
        if plan is not None:
            previous = history[-1] if history else None
            programs = self._write_programs(iteration, plan, agents, previous, record)
            runtime = self._runtime(plan, programs)
            digest = _fingerprint(plan, programs)  # what training reuse is keyed on, and the dead-loop check
            self._count_call_failures(record, "before")
            trained = self._trainer.train(iteration, runtime, record, digest)
            self._count_call_failures(record, "train")
            predictors = self._evaluator.deployed(runtime, trained, record)
            self._count_call_failures(record, "validation")
            evaluation = self._evaluator.evaluate(runtime, predictors, record)
            self._count_call_failures(record, "eval")
            self._skill_memory.keep(iteration, plan, programs, evaluation.reached_by_acting(record.episodes))
            record.summary = (
                summarise(plan, evaluation, record.episodes)
                + training_lines(record, self.config.evaluation.deterministic)
                + selection_lines(record)
                + call_failure_lines(record)
            )
            critique = self._critique(iteration, plan, agents, record, evaluation.frames)
            record.critique = bound_values(critique.model_dump()) if critique else None
            record.fingerprint = digest if agents else ""  # no agents: no choices
            record.plan = plan.model_dump()
            record.programs = programs
        self._detect_dead_loop(record, earlier)
        record.wall_time_s = time.perf_counter() - started
        return record

    # ------------------------------------------------------------------ plan

    def _plan(
        self,
        iteration: int,
        history: tuple[IterationFeedback, ...],
        agents: Agents | None,
        record: IterationRecord,
    ) -> Plan | None:
        skills = self._skill_memory.recall(iteration, self.task.instruction, "plan") if agents else ()
        context = PlanningContext(self.env_spec, self.task, history, skills)
        if agents:
            self._emit("planning", iteration=iteration)
        planner = agents.planner if agents else None
        try:
            tags = self._tags("planner", iteration) | feedback_tags(history[-1] if history else None)
            plan = self.method.plan(context, planner, tags)
        except MalformedAnswer as exc:
            record.malformed("planner")
            record.summary = f"The planner's answer was unusable: {exc.error}"
            # the same unusable answer again is a repeat too: fingerprint the answer, not the error
            answer = normalise_answer(exc.answer or exc.error)
            unusable = f"unusable plan: {answer}".encode(errors="surrogatepass")  # answers may hold anything
            record.fingerprint = hashlib.sha256(unusable).hexdigest()
            self._emit("plan_rejected", iteration=iteration, error=exc.error)
            return None
        self._emit("plan", iteration=iteration, plan=plan.model_dump())
        return plan

    # ------------------------------------------------------------------ code (inner loop)

    def _write_programs(
        self,
        iteration: int,
        plan: Plan,
        agents: Agents | None,
        previous: IterationFeedback | None,
        record: IterationRecord,
    ) -> dict[str, str]:
        programs: dict[str, str] = {}
        self._program_writer.traces.clear()  # the critic reads this iteration's dry runs only
        for subtask in filter(self.method.codes, plan.subtasks):
            if agents is None:
                raise ValueError(f"method {self.method.name!r} codes sub-tasks but uses no agents")
            reused = previous.program_to_keep(subtask) if previous else None
            if reused is not None:
                programs[subtask.name] = reused
                self._emit("code_reused", iteration=iteration, subtask=subtask.name)
                continue
            source = self._program_writer.write(iteration, plan, subtask, agents.coder, previous, record)
            if source is not None:
                programs[subtask.name] = source
        return programs

    @functools.cached_property
    def _program_writer(self) -> ProgramWriter:
        """Writes, checks and repairs the sub-tasks' programs (:mod:`rlgpt.coding`)."""
        return ProgramWriter(
            config=self.config,
            env=self.env_spec,
            task=self.task,
            env_kwargs=self._env_kwargs,
            parameter_probe=lambda: self._parameter_probe,
            run_dir=self.run_dir,
            emit=self._emit,
            done_before=self._done_before,
            tags=self._tags,
            skills=self._skill_memory,
        )

    @functools.cached_property
    def _skill_memory(self) -> SkillMemory:
        """What the run takes from and adds to its skill library (:mod:`rlgpt.skill_memory`)."""
        return SkillMemory(self.config, self.run_dir, self._emit)

    # ------------------------------------------------------------------ train

    @functools.cached_property
    def _trainer(self) -> SubtaskTrainer:
        """Trains the RL sub-tasks, reusing what earlier processes trained (:mod:`rlgpt.subtask_training`)."""
        return SubtaskTrainer(
            config=self.config,
            registry=self.registry,
            method=self.method,
            env=self.env_spec,
            task=self.task,
            run_dir=self.run_dir,
            tracker=self.tracker,
            emit=self._emit,
            done_before=self._done_before,
            progress_bar=self.progress_bar,
        )

    def _runtime(self, plan: Plan, programs: dict[str, str]) -> PlanRuntime:
        return PlanRuntime(
            env_entry_point=self.env_spec.entry_point,
            env_kwargs=self._env_kwargs(),
            skill_api=class_path(self.env_spec.skill_api),
            task_ref=(self.env_spec.name, self.task.id),
            plan=plan.model_dump(),
            programs=programs,
            learner=self.config.learner.name,
            limits=CodeLimits(
                macro_step_budget=self.config.code.macro_step_budget,
                call_timeout_s=self.config.code.call_timeout_s,
                call_memory_mb=self.config.code.call_memory_mb,
                isolation=self.config.code.isolation,
                inline_bounded=self.config.code.inline_bounded,
            ),
            continuous=self.env_spec.continuous,
            primitive_actions=self.env_spec.primitive_actions,
            plugins=self.plugins,
            failure_log=str(self.run_dir.path / CALL_FAILURES_FILE),
            reward_shaping=self.config.learner.reward_shaping,
        )

    def _count_call_failures(self, record: IterationRecord, phase: str) -> None:
        """Count the calls of generated code that failed since the last count (any process)."""
        path = self.run_dir.path / CALL_FAILURES_FILE
        if not path.exists():
            return
        with open(path, "rb") as handle:
            handle.seek(self._failures_read)
            data = handle.read()
        complete = data[: data.rfind(b"\n") + 1]
        self._failures_read += len(complete)
        if phase == "before":  # failures of earlier iterations or processes: not this iteration's
            return
        counts = record.call_failures.setdefault(phase, {})
        for line in complete.splitlines():
            try:
                failure = json.loads(line)
                key = f"{failure['function']}: {failure['reason']}"
            except (ValueError, KeyError, TypeError):
                continue
            counts[key] = counts.get(key, 0) + 1

    def _done_before(self, kind: str, iteration: int, subtask: str, **same: Any) -> dict[str, Any] | None:
        """The last ``kind`` event of an earlier process for this iteration and sub-task, with ``same``.

        A resumed run reuses what an interrupted attempt at the same iteration finished: a program
        that passed its dry run, a trained checkpoint (same plan and programs).
        """
        for event in reversed(self._earlier):
            if (
                event.get("kind") == kind
                and event.get("iteration") == iteration
                and event.get("subtask") == subtask
                and all(event.get(key) == value for key, value in same.items())
            ):
                return event
        return None

    # ------------------------------------------------------------------ evaluate

    @functools.cached_property
    def _evaluator(self) -> PlanEvaluator:
        """Validates and evaluates each iteration's plan (:mod:`rlgpt.plan_evaluation`)."""
        return PlanEvaluator(
            config=self.config,
            env=self.env_spec,
            task=self.task,
            run_dir=self.run_dir,
            emit=self._emit,
            env_kwargs=self._env_kwargs(),
            console=self.console,
            progress_bar=self.progress_bar,
        )

    # ------------------------------------------------------------------ critique

    def _critique(
        self,
        iteration: int,
        plan: Plan,
        agents: Agents | None,
        record: IterationRecord,
        frames: dict[str, bytes],
    ) -> Critique | None:
        critic = agents.critic if agents else None
        if critic is None:
            return None
        context = CritiqueContext(
            env=self.env_spec,
            task=self.task,
            plan=plan,
            episodes=record.episodes,
            success_rate=record.success_rate,
            rollouts=record.summary,
            frames={s.name: frames[s.name] for s in plan.subtasks if s.name in frames},
            traces=self._failing_traces(plan, record),
        )
        self._emit("critiquing", iteration=iteration)
        try:
            tags = self._tags("critic", iteration) | rollout_tags(record.subtask_success)
            critique = critic.critique(context, tags)
        except MalformedAnswer as exc:
            record.malformed("critic")
            self._emit("critique_rejected", iteration=iteration, error=exc.error)
            return None
        self._emit("critique", iteration=iteration, critique=critique.model_dump())
        return critique

    def _failing_traces(self, plan: Plan, record: IterationRecord) -> dict[str, str]:
        """Sub-task -> the dry-run trace of its program, for the sub-tasks that failed in evaluation."""
        traces = self._program_writer.traces
        return {
            s.name: traces[s.name]
            for s in plan.subtasks
            if traces.get(s.name) and record.subtask_success.get(s.name, 0.0) < 1.0
        }

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

    def _emit(self, kind: str, **data: Any) -> None:
        """Append an event to the run's log and tell the observers."""
        event = self.run_dir.append_event(kind, **data)
        self.observers.notify("on_event", run=self.run_dir, event=event)

    def _agents_for(self, record: IterationRecord) -> Agents | None:
        """The run's agents (built once), their LLM counting into ``record``; ``None`` without agents."""
        if not self.method.uses_agents:
            return None
        llm = self._recording_llm()
        llm.usage = record.llm
        if self._agents is None:
            config = self.config
            structure = self.registry.agent_structure(config.agents)
            self._agents = structure.assemble(
                llm,
                self._agent_options("planner"),
                planner=self.registry.planner(config.planner),
                coder=self.registry.coder(config.coder),
                critic=self.registry.critic(config.critic),
                roles={role: (llm, self._agent_options(role)) for role in LLM_ROLES},
            )
        return self._agents

    def _close_llm(self) -> None:
        """Close the LLM this run opened (and the agents over it); a later iteration opens a new one."""
        if self._llm is not None:
            self._llm.close()
        self._llm, self._agents = None, None

    def _recording_llm(self) -> RecordingLLM:
        """The run's LLM: one per role (``[llm.<role>]``), roles with the same settings sharing one."""
        if self._llm is None:
            built: dict[str, LLM] = {}
            by_role: dict[str, LLM] = {}
            for role in LLM_ROLES:
                settings = self.config.llm.for_role(role)
                key = settings.model_dump_json(include={"backend", "model", "options", "cache", "cache_path"})
                if key not in built:
                    built[key] = self._build_llm(settings)
                by_role[role] = built[key]
            if self.config.code.mutation_rate > 0:
                rate, seed = self.config.code.mutation_rate, self.config.seed
                by_role["coder"] = MutatingLLM(by_role["coder"], rate, seed, emit=self._emit)
            if self.config.code.samples > 1:
                temperature = self.config.code.sample_temperature
                by_role["coder"] = SampledLLM(by_role["coder"], temperature, self.config.seed)
            self._llm = RecordingLLM(RoleRouter(by_role["planner"], by_role), self.run_dir, emit=self._emit)
        return self._llm

    def _build_llm(self, settings: LLMConfig) -> LLM:
        cache_path = (settings.cache_path or default_cache_path()) if settings.cache else None
        spec = self.registry.llm_backend(settings.backend)
        return build_llm(spec, settings.model, dict(settings.options), cache_path=cache_path)

    def _agent_options(self, role: str) -> dict[str, Any]:
        settings = self.config.llm.for_role(role)
        options: dict[str, Any] = {"temperature": settings.temperature, "max_tokens": settings.max_tokens}
        if settings.examples is not None:
            options["examples"] = str(settings.examples)
        return options

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
        kwargs: dict[str, Any] = {
            "task": self.task.id,
            "obs_mode": self.obs_mode,
            **self.task.env_kwargs,
            **self.config.env_options,
        }
        if self.config.evaluation.max_episode_steps:
            kwargs["max_episode_steps"] = self.config.evaluation.max_episode_steps
        return kwargs

    def _write_report(self) -> None:
        from rlgpt.report import write_report

        path = write_report(self.run_dir.path)
        self.console.print(f"report: {path}")


def _fingerprint(plan: Plan, programs: dict[str, str]) -> str:
    """Normalised hash of a plan and its programs (formatting and comments do not count)."""
    from rlgpt.code import normalised_digest

    payload = {
        "plan": plan.model_dump(exclude={"rationale"}),
        "programs": {name: normalised_digest(source) for name, source in sorted(programs.items())},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _progress(log: EventLog) -> tuple[list[IterationRecord], RunSummary | None]:
    """The finished iterations' records in ``log`` and, if the run ended, its summary.

    :raises RunDirectoryError: an event lacks its data or holds the wrong types (one line naming it).
    """
    event: dict[str, Any] = {}
    try:
        records = []
        for event in log.of_kind("iteration_end"):
            records.append(IterationRecord.from_dict(event["record"]))
        event = log.last("run_end") or {}
        ended = RunSummary(**event["summary"]) if event else None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RunDirectoryError(
            f"{log.path}: event {event.get('seq')} ({event.get('kind')}) is malformed ({type(exc).__name__}: "
            f"{exc}); restore the file from a copy or start a new run"
        ) from None
    return records, ended


def _feedback(record: IterationRecord) -> IterationFeedback:
    """A finished iteration's record as typed feedback for the next iterations."""
    return IterationFeedback(
        record.iteration,
        Plan.model_validate(record.plan) if record.plan else None,
        record.success_rate,
        record.summary,
        Critique.model_validate(record.critique) if record.critique else None,
        programs=dict(record.programs),
        subtask_success=dict(record.subtask_success),
        train_success={name: record.train_successes[name] / n for name, n in record.train_episodes.items()},
    )
