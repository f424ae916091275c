"""Child side of :func:`rlgpt.code.dry_run`: ``python -m rlgpt.code._dryrun_child SPEC RESULT``.

Reads the pickled :class:`~rlgpt.code.DryRunSpec`, runs the function, and
writes its findings to RESULT as JSON. Any failure of the generated code, or of
building the environment, is reported in RESULT; the process dies without
one only when the kernel stops it (CPU or memory limits).
"""

from __future__ import annotations

import json
import math
import os
import pickle
import reprlib
import resource
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rlgpt._imports import build_env, load_object
from rlgpt.code.dryrun import DryRunSpec
from rlgpt.code.errors import CodeRejected
from rlgpt.code.extract import extract_program
from rlgpt.code.limits import call_with_limits
from rlgpt.code.sandbox import CompiledProgram, compile_program
from rlgpt.code.trace import ExecutionTrace, TracingSkills, state_summary
from rlgpt.skills import Actuator, EpisodeOver, ReadOnlySkills, StepBudgetExceeded, observer

_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 200
_MAX_IDLE_CALLS = 3
"""Calls in a row that take no step before the calls stop (as a code sub-task's policy gives up)."""


@dataclass
class _Findings:
    error: CodeRejected | None = None
    steps: int = 0
    reward: float = 0.0
    terminated: bool = False
    return_value: str = ""
    output: str = ""
    reached: int = 0
    calls: int = 0
    trace: ExecutionTrace = field(default_factory=ExecutionTrace)

    def to_json(self) -> str:
        return json.dumps(
            {
                "error": self.error.to_dict() if self.error else None,
                "steps": self.steps,
                "reward": self.reward,
                "terminated": self.terminated,
                "return_value": self.return_value,
                "output": self.output,
                "reached": self.reached,
                "calls": self.calls,
                "trace": self.trace.render(),
            }
        )


def main(argv: list[str]) -> int:
    """Run the spec at ``argv[0]`` and write the findings to ``argv[1]``."""
    spec_path, result_path = argv
    _lower(resource.RLIMIT_CORE, 0, 0)  # a child killed by a signal leaves no core file behind
    spec: DryRunSpec = pickle.loads(Path(spec_path).read_bytes())
    findings = _Findings()
    try:
        _run(spec, findings)
    except CodeRejected as exc:
        findings.error = exc
        where = f" at line {exc.line}" if exc.line else ""
        findings.trace.stopped = f"rejected ({exc.reason}){where}: {exc.message.splitlines()[0]}"
    except Exception as exc:
        detail = "".join(traceback.format_exception_only(exc)).strip()
        findings.error = CodeRejected("crashed", f"the dry run could not set up the environment: {detail}")
    partial = Path(result_path + ".partial")
    partial.write_text(findings.to_json())
    os.replace(partial, result_path)
    return 0


def _run(spec: DryRunSpec, findings: _Findings) -> None:
    program = extract_program(spec.source, {})
    for name in filter(None, (spec.function, spec.done_function)):
        if name not in program.functions:
            defined = ", ".join(program.functions) or "none"
            message = f"the code must define `{name}` (functions defined: {defined})"
            raise CodeRejected("missing_function", message)
    compiled = compile_program(program)
    env = build_env(spec.env_entry_point, spec.env_kwargs)
    episode = _Episode(
        spec,
        compiled,
        env,
        load_object(spec.skill_api),
        _describer(spec.describe),
        findings,
    )
    for index in range(spec.episodes):
        obs, info = env.reset(seed=spec.seed + index)
        for step, action in enumerate(spec.warmup_actions):
            obs, _, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                raise CodeRejected("crashed", f"the episode ended during warm-up action {step} ({action!r})")
        if index == 0:
            _limit_resources(spec)
        episode.run(obs, info, findings.trace if index == 0 else None)


def _describer(reference: str) -> Any:
    """The environment's ``describe`` function, or ``None`` (no reference, or one this process cannot
    import: the trace then summarises ``info``; describing is a courtesy, never a reason to fail)."""
    try:
        return load_object(reference) if reference else None
    except Exception:
        return None


@dataclass
class _Episode:
    """Calls the function from one start state: once, or (with a done condition) until it holds."""

    spec: DryRunSpec
    compiled: CompiledProgram
    env: Any
    api_cls: Any
    describe: Any
    findings: _Findings

    def run(self, obs: Any, info: Any, trace: ExecutionTrace | None) -> None:
        """Call the function from ``(obs, info)``, logging into ``trace`` when given."""
        spec, findings = self.spec, self.findings
        function = self.compiled.function(spec.function)
        done = self.compiled.function(spec.done_function) if spec.done_function else None
        if trace is not None:
            trace.before = state_summary(self.describe, obs, info)
        reached, idle, calls = False, 0, 0
        while calls < (spec.max_calls if done else 1):
            actuator = Actuator(
                step=None if spec.kind == "predicate" else self.env.step,
                obs=obs,
                info=info,
                budget=spec.step_budget,
                read_only=spec.kind == "predicate",
            )
            api = self.api_cls(actuator)
            calls += 1
            try:
                _call(spec, function, TracingSkills(api, trace) if trace else api, findings)
            finally:
                findings.calls += 1
                findings.steps += actuator.steps
                findings.reward += actuator.reward
                findings.terminated = actuator.terminated or actuator.truncated
                findings.output = self.compiled.output.text
                obs, info = actuator.obs, actuator.info
                if trace is not None:
                    trace.after = state_summary(self.describe, obs, info)
            idle = idle + 1 if actuator.steps == 0 else 0
            reached = done is not None and _holds(spec, done, self.api_cls, obs, info, trace)
            if trace is not None:
                trace.event(_returned(spec, calls, actuator, findings.return_value, reached))
            if reached or findings.terminated or idle >= _MAX_IDLE_CALLS:
                break
        findings.reached += int(reached)
        if trace is not None:
            trace.stopped = _stop(spec, reached, findings.terminated, idle, calls)


def _returned(spec: DryRunSpec, calls: int, actuator: Actuator, value: str, reached: bool) -> Any:
    """A trace line (made when kept) for one call that returned."""
    done = f"; {spec.done_function}(api) -> {reached}" if spec.done_function else ""
    ended = "; the episode ended" if actuator.terminated or actuator.truncated else ""
    head = f"call {calls} of {spec.function} returned {value} after {actuator.steps} steps"
    reward = actuator.reward
    return lambda: f"{head} (reward {reward:g}){done}{ended}"


def _stop(spec: DryRunSpec, reached: bool, ended: bool, idle: int, calls: int) -> str:
    """Why the calls of the first episode stopped, in words."""
    if spec.done_function is None:
        return "the episode ended" if ended else f"{spec.function} returned"
    if reached:
        return f"done reached: {spec.done_function}(api) held after {calls} call(s)"
    if ended:
        return f"the episode ended after {calls} call(s) before {spec.done_function}(api) held"
    if idle >= _MAX_IDLE_CALLS:
        return f"{idle} calls in a row took no step; {spec.done_function}(api) never held"
    return f"{spec.done_function}(api) did not hold after {calls} call(s) (at most {spec.max_calls})"


def _holds(
    spec: DryRunSpec, done: Any, api_cls: Any, obs: Any, info: Any, trace: ExecutionTrace | None
) -> bool:
    """Whether the done condition holds on a read-only view of ``(obs, info)``; failing counts as not."""
    try:
        value = call_with_limits(done, observer(api_cls, obs, info), timeout_s=spec.call_timeout_s)
    except (CodeRejected, ReadOnlySkills) as exc:
        if trace is not None:
            why = exc.message.splitlines()[0] if isinstance(exc, CodeRejected) else "it called an action"
            trace.event(lambda: f"  {spec.done_function}(api) failed, counted as not done: {why}")
        return False
    return bool(value)


def _call(spec: DryRunSpec, function: Any, api: Any, findings: _Findings) -> None:
    name = spec.function
    try:
        value = call_with_limits(function, api, *spec.call_args, timeout_s=spec.call_timeout_s)
    except StepBudgetExceeded:
        raise CodeRejected(
            "step_budget",
            f"`{name}` used all {spec.step_budget} primitive steps of its budget without returning; return "
            "as soon as the goal is reached or cannot be reached",
        ) from None
    except EpisodeOver:
        return
    except ReadOnlySkills:
        raise CodeRejected(
            "runtime_error",
            f"`{name}` is a check that may only observe, but it called an action; read the state through the "
            "skill API's perception helpers and return True or False",
        ) from None
    if spec.kind == "predicate" and not isinstance(value, bool | np.bool_):
        raise CodeRejected(
            "runtime_error", f"`{name}` must return True or False, but returned {_repr.repr(value)}"
        )
    findings.return_value = _repr.repr(value)


def _limit_resources(spec: DryRunSpec) -> None:
    """Cap CPU time and address space, counted from what the child uses now."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_soft = math.ceil(usage.ru_utime + usage.ru_stime + spec.cpu_s)
    _lower(resource.RLIMIT_CPU, cpu_soft, cpu_soft + 1)
    address_space = _address_space() + spec.memory_mb * 2**20
    _lower(resource.RLIMIT_AS, address_space, address_space)


def _lower(which: int, soft: int, hard: int) -> None:
    _, current_hard = resource.getrlimit(which)
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(which, (soft, hard))


def _address_space() -> int:
    """Bytes of virtual memory this process has mapped (Linux ``/proc``; peak RSS elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
