"""Writing one sub-task's program: the inner loop of RL-GPT.

The coder writes the program; it is extracted, checked and dry-run in a child process
(:func:`~rlgpt.code.dry_run`); a rejection goes back to the coder with the exact reason, the
program and what it did in its dry run (its :mod:`execution trace <rlgpt.code.trace>`), up to
``max_fixes`` times.

With ``code.samples`` > 1 the first answer is sampled several times (execution-verified
sampling, as in CodeT and AlphaCode): every sample is dry-run, its action called until the
sub-task's done condition holds as a code sub-task's policy calls it, and the one that does
best is kept (:meth:`Candidate.score`); an answer that repeats an earlier sample's is judged (and
counted) once. Sample requests carry a ``sample`` tag (the response cache and replay transcripts
tell samples apart by it); :class:`SampledLLM` samples those past the first at a higher
temperature with a seed of their own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from rlgpt.agents.base import Coder, CodeRequest, IterationFeedback
from rlgpt.agents.feedback_tags import feedback_tags
from rlgpt.agents.schemas import Plan, Subtask
from rlgpt.code import DEFAULT_ALLOWED_MODULES, CodeRejected, DryRunSpec, Program, dry_run, extract_program
from rlgpt.code.trace import MAX_CHARS
from rlgpt.config import RunConfig
from rlgpt.execution import DONE, class_path, required_functions, signatures
from rlgpt.llm.types import Completion, Request
from rlgpt.llm.wrapper import LLMWrapper
from rlgpt.metrics import IterationRecord
from rlgpt.runs import RunDirectory
from rlgpt.skill_library import SkillEntry, skill_functions
from rlgpt.skill_memory import SkillMemory
from rlgpt.specs import EnvironmentSpec, TaskSpec
from rlgpt.textbound import bound_text

SAMPLE_TAG = "sample"
"""Tag of a coder request that is one of several samples: its index, from ``"0"``."""
MAX_DRY_RUN_CALLS = 20
"""Most calls of a sample's action in its dry run (each up to ``code.macro_step_budget`` steps)."""


def sample_seed(run_seed: int, index: int) -> int:
    """The seed sample ``index`` (1 and up) of a run seeded ``run_seed`` is asked with."""
    return run_seed * 1_000 + index


class SampledLLM(LLMWrapper):
    """Asks coder requests tagged ``sample`` >= 1 at ``temperature`` (or the request's own, when
    higher) with the seed :func:`sample_seed`; every other request passes through unchanged."""

    def __init__(self, inner: Any, temperature: float, run_seed: int) -> None:
        super().__init__(inner)
        self.temperature, self.run_seed = temperature, run_seed

    def complete(self, request: Request) -> Completion:
        """The inner LLM's answer to ``request``, sampled as its ``sample`` tag says."""
        index = int(request.tags.get(SAMPLE_TAG, 0))
        if index < 1:
            return self.inner.complete(request)
        temperature = max(request.params.temperature, self.temperature)
        params = replace(request.params, temperature=temperature, seed=sample_seed(self.run_seed, index))
        return self.inner.complete(replace(request, params=params))


@dataclass
class Candidate:
    """One answer of the coder and what became of it.

    :param sample: its sample index (0 without sampling and for fixes).
    :param answer: the coder's raw answer.
    :param program: the extracted program (``None`` when extraction failed).
    :param rejection: why it was refused (``None``: accepted).
    :param trace: what it did in its dry run (bounded), for a fix request or the critic.
    :param reached: dry-run episodes in which its done condition held after its calls.
    :param reward: reward its dry runs collected.
    :param reused: an earlier process accepted the same program (it was not dry-run again).
    """

    sample: int
    answer: str
    program: Program | None = None
    rejection: CodeRejected | None = None
    trace: str = ""
    reached: int = 0
    reward: float = 0.0
    reused: bool = False

    def score(self) -> tuple[bool, bool, bool, int, float, int]:
        """Higher is better: accepted, a program at all (among rejected answers), accepted before (a
        resumed run keeps its choice), episodes reaching the done condition, reward, then the shorter
        program."""
        length = len(self.program.source) if self.program else len(self.answer)
        accepted, extracted = self.rejection is None, self.program is not None
        return (accepted, extracted, self.reused, self.reached, self.reward, -length)

    def repair_message(self, with_trace: bool = True) -> str:
        """The rejection for the coder, with the dry run's trace when there is one (and ``with_trace``)."""
        assert self.rejection is not None
        if not self.trace or not with_trace:
            return self.rejection.message
        return f"{self.rejection.message}\n\nWhat the program did in its dry run:\n{self.trace}"


@dataclass
class ProgramWriter:
    """Writes, checks and repairs the programs of one run's sub-tasks.

    :param config: the run's configuration (``code``, ``max_fixes``, ``seed``).
    :param env: the environment; ``task`` its task.
    :param env_kwargs: keyword arguments that build the environment for a dry run.
    :param parameter_probe: parameters a parameterised coded action is dry-run with.
    :param run_dir: where programs and rejected answers are written.
    :param emit: ``emit(kind, **data)`` appends an event.
    :param done_before: ``done_before(kind, iteration, subtask, **same)``: an earlier process's event.
    :param tags: ``tags(role, iteration, subtask, attempt)``: the labels of a request.
    """

    config: RunConfig
    env: EnvironmentSpec
    task: TaskSpec
    env_kwargs: Callable[[], dict[str, Any]]
    parameter_probe: Callable[[], tuple[Any, ...]]
    run_dir: RunDirectory
    emit: Callable[..., None]
    done_before: Callable[..., dict[str, Any] | None]
    tags: Callable[..., dict[str, str]]
    traces: dict[str, str] = field(default_factory=dict)
    """Sub-task -> the dry-run trace of its last accepted program (what the critic is shown)."""
    skills: SkillMemory | None = None
    """The run's skill library: entries relevant to a sub-task are shown to the coder and defined
    after its program (:func:`~rlgpt.skill_library.skill_functions`)."""

    def write(
        self,
        iteration: int,
        plan: Plan,
        subtask: Subtask,
        coder: Coder,
        previous: IterationFeedback | None,
        record: IterationRecord,
    ) -> str | None:
        """The accepted program of ``subtask``, or ``None`` when every fix was rejected too."""
        required = required_functions(subtask, self.env.continuous)
        request = CodeRequest(
            env=self.env,
            task=self.task,
            plan=plan,
            subtask=subtask,
            required=required,
            step_budget=self.config.code.macro_step_budget,
            timeout_s=self.config.code.call_timeout_s,
            allowed_modules=tuple(DEFAULT_ALLOWED_MODULES),
            feedback=previous.coder_feedback(subtask) if previous else "",
            skills=self._recall(iteration, subtask),
        )
        self.emit("coding", iteration=iteration, subtask=subtask.name, method=subtask.method)
        started, tokens = time.perf_counter(), record.llm.tokens
        feedback = feedback_tags(previous)
        best, attempt = self._sample(iteration, request, coder, record, feedback), 0
        while best.rejection is not None and attempt < self.config.max_fixes:
            attempt += 1
            tags = self.tags("coder", iteration, subtask.name, attempt) | feedback
            answer = coder.fix(request, best.answer, best.repair_message(self.config.code.traces), tags)
            best = self._check(iteration, request, Candidate(best.sample, answer), attempt, record)
        if best.rejection is not None or best.program is None:
            return None
        source = best.program.source
        self.run_dir.write_text(f"code/iter-{iteration}/{subtask.name}.py", source)
        if self.config.code.traces:
            self.traces[subtask.name] = best.trace
        cost = {"tokens": record.llm.tokens - tokens, "seconds": round(time.perf_counter() - started, 3)}
        record.program_costs[subtask.name] = cost
        self.emit(
            "code_accepted",
            iteration=iteration,
            subtask=subtask.name,
            attempt=attempt,
            digest=best.program.digest,
            reused=best.reused,
            sample=best.sample,
            **cost,
        )
        return source

    def _recall(self, iteration: int, subtask: Subtask) -> tuple[SkillEntry, ...]:
        """The library's entries relevant to ``subtask`` (by its name, description and done condition)."""
        if self.skills is None:
            return ()
        query = f"{subtask.name} {subtask.description} {subtask.done_condition}"
        return self.skills.recall(iteration, query, subtask.name)

    def _sample(
        self,
        iteration: int,
        request: CodeRequest,
        coder: Coder,
        record: IterationRecord,
        feedback: dict[str, str],
    ) -> Candidate:
        """The coder's first answer: the best of ``code.samples`` (one without sampling); ``feedback``:
        the previous iteration's feedback as tags (:func:`~rlgpt.agents.feedback_tags.feedback_tags`)."""
        count = self.config.code.samples
        name = request.subtask.name
        candidates: list[Candidate] = []
        for index in range(count):
            tags = self.tags("coder", iteration, name, 0) | feedback
            if count > 1:
                tags[SAMPLE_TAG] = str(index)
            answer = coder.write(request, tags)
            same = next((c for c in candidates if c.answer == answer), None)
            if same is not None:  # the same answer again: judged once, counted once
                candidates.append(replace(same, sample=index))
                continue
            candidates.append(self._check(iteration, request, Candidate(index, answer), 0, record, count > 1))
        best = max(candidates, key=Candidate.score)  # ties: the earliest sample
        if count > 1:
            self.emit(
                "code_samples",
                iteration=iteration,
                subtask=name,
                kept=best.sample,
                samples=[self._sample_summary(candidate) for candidate in candidates],
            )
        return best

    def _sample_summary(self, candidate: Candidate) -> dict[str, Any]:
        """One sample in the ``code_samples`` event: how it was asked and how its dry run went."""
        index = candidate.sample
        coder_temperature = self.config.llm.for_role("coder").temperature
        return {
            "sample": index,
            "seed": sample_seed(self.config.seed, index) if index else None,
            "temperature": max(coder_temperature, self.config.code.sample_temperature)
            if index
            else coder_temperature,
            "accepted": candidate.rejection is None,
            "reason": candidate.rejection.reason if candidate.rejection else None,
            "reached": candidate.reached,
            "reward": candidate.reward,
            "chars": len(candidate.program.source) if candidate.program else None,
        }

    def _check(
        self,
        iteration: int,
        request: CodeRequest,
        candidate: Candidate,
        attempt: int,
        record: IterationRecord,
        sampled: bool = False,
    ) -> Candidate:
        """Extract and dry-run ``candidate``; a rejection is counted, its answer written, an event emitted."""
        name = request.subtask.name
        try:
            required = signatures(request.required)
            candidate.program = extract_program(candidate.answer, required)
            if request.skills:  # the skills it may call are added; the whole program is checked
                skills = skill_functions(request.skills, candidate.program.functions)
                candidate.program = extract_program(f"{candidate.program.source}\n\n\n{skills}", required)
            digest = candidate.program.digest
            candidate.reused = self.done_before("code_accepted", iteration, name, digest=digest) is not None
            if not candidate.reused:
                self._dry_run(request, candidate, record)
        except CodeRejected as rejection:
            candidate.rejection = rejection
            record.reject(rejection.reason)
            which = f"attempt-{attempt}" + (f".sample-{candidate.sample}" if sampled else "")
            self.run_dir.write_text(f"code/iter-{iteration}/{name}.{which}.rejected.txt", candidate.answer)
            self.emit(
                "code_rejected",
                iteration=iteration,
                subtask=name,
                attempt=attempt,
                **({"sample": candidate.sample} if sampled else {}),
                reason=rejection.reason,
                message=rejection.message,
            )
        return candidate

    def _dry_run(self, request: CodeRequest, candidate: Candidate, record: IterationRecord) -> None:
        """Dry-run every required function in a child process with CPU and memory limits; the actions
        with the done condition checked after each call. Raises the first function's rejection."""
        assert candidate.program is not None
        code, required, subtask = self.config.code, request.required, request.subtask
        traces = []
        for function, params in required.items():
            action = function != DONE
            spec = DryRunSpec(
                env_entry_point=self.env.entry_point,
                env_kwargs=self.env_kwargs(),
                skill_api=class_path(self.env.skill_api),
                source=candidate.program.source,
                function=function,
                kind="action" if action else "predicate",
                # only coded actions of RL sub-tasks take parameters; code sub-tasks take the api alone
                call_args=self.parameter_probe() if len(params) > 1 else (),
                seed=self.config.seed,
                step_budget=code.macro_step_budget,
                call_timeout_s=code.call_timeout_s,
                cpu_s=code.dry_run_timeout_s,
                memory_mb=code.dry_run_memory_mb,
                wall_s=code.dry_run_timeout_s + 30,
                done_function=DONE if action and DONE in required else None,
                max_calls=self._calls(subtask) if action else 1,
                describe=_reference(self.env.describe),
            )
            result = dry_run(spec)
            record.env_steps["dry_run"] += result.steps
            if not result.ok:
                assert result.error is not None
                candidate.trace = result.trace
                raise result.error
            if action:
                traces.append(result.trace if len(required) <= 2 else f"{function}:\n{result.trace}")
                candidate.reached += result.reached
                candidate.reward += result.reward
        candidate.trace = bound_text("\n".join(traces), MAX_CHARS)

    def _calls(self, subtask: Subtask) -> int:
        """How often a sample's action is called in its dry run: as often as a code sub-task's policy
        could within its step limit (at most :data:`MAX_DRY_RUN_CALLS`); once without sampling, and
        for the coded actions of an RL sub-task (its learner, not a loop, calls them)."""
        if self.config.code.samples == 1 or subtask.method != "code":
            return 1
        steps = subtask.max_steps or self.task.max_episode_steps
        return max(1, min(MAX_DRY_RUN_CALLS, math.ceil(steps / self.config.code.macro_step_budget)))


def _reference(function: Callable[..., Any]) -> str:
    """``"module:qualname"`` of a module-level function a dry-run child can import; ``""`` for others
    (a lambda, a nested function): the trace then summarises ``info`` instead."""
    module, name = getattr(function, "__module__", None), getattr(function, "__qualname__", "")
    if not module or not name or "<" in name or module == "__main__":
        return ""
    return f"{module}:{name}"
