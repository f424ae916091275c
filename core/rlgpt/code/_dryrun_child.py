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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rlgpt._imports import build_env, load_object
from rlgpt.code.dryrun import DryRunSpec
from rlgpt.code.errors import CodeRejected
from rlgpt.code.extract import extract_program
from rlgpt.code.limits import call_with_limits
from rlgpt.code.sandbox import compile_program
from rlgpt.skills import Actuator, EpisodeOver, ReadOnlySkills, StepBudgetExceeded

_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 200


@dataclass
class _Findings:
    error: CodeRejected | None = None
    steps: int = 0
    reward: float = 0.0
    terminated: bool = False
    return_value: str = ""
    output: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "error": self.error.to_dict() if self.error else None,
                "steps": self.steps,
                "reward": self.reward,
                "terminated": self.terminated,
                "return_value": self.return_value,
                "output": self.output,
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
    except Exception as exc:
        detail = "".join(traceback.format_exception_only(exc)).strip()
        findings.error = CodeRejected("crashed", f"the dry run could not set up the environment: {detail}")
    partial = Path(result_path + ".partial")
    partial.write_text(findings.to_json())
    os.replace(partial, result_path)
    return 0


def _run(spec: DryRunSpec, findings: _Findings) -> None:
    program = extract_program(spec.source, {})
    if spec.function not in program.functions:
        defined = ", ".join(program.functions) or "none"
        raise CodeRejected(
            "missing_function", f"the code must define `{spec.function}` (functions defined: {defined})"
        )
    compiled = compile_program(program)
    function = compiled.function(spec.function)
    env = build_env(spec.env_entry_point, spec.env_kwargs)
    api_cls = load_object(spec.skill_api)
    for episode in range(spec.episodes):
        obs, info = env.reset(seed=spec.seed + episode)
        for index, action in enumerate(spec.warmup_actions):
            obs, _, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                raise CodeRejected("crashed", f"the episode ended during warm-up action {index} ({action!r})")
        if episode == 0:
            _limit_resources(spec)
        actuator = Actuator(
            step=None if spec.kind == "predicate" else env.step,
            obs=obs,
            info=info,
            budget=spec.step_budget,
            read_only=spec.kind == "predicate",
        )
        try:
            _call(spec, function, api_cls(actuator), findings)
        finally:
            findings.steps += actuator.steps
            findings.reward += actuator.reward
            findings.terminated = actuator.terminated or actuator.truncated
            findings.output = compiled.output.text


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
