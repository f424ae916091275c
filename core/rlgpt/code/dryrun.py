"""Try generated code once in a child process before anything trusts it.

:func:`dry_run` starts ``python -m rlgpt.code._dryrun_child`` in its own session
with the spec (pickled) in a private temporary directory. The child builds the
environment, resets it, applies warm-up actions, sets ``RLIMIT_CPU`` and
``RLIMIT_AS`` (relative to what it already uses) and calls the function once
per episode under :func:`~rlgpt.code.call_with_limits` and a step budget. It
writes its findings as JSON (never pickle: the child ran untrusted code). The
parent kills the whole process group at ``wall_s``.

Outcomes: a step budget used up without returning is a failure
(``step_budget``: the code must return when done); an episode that ends while
the code acts is not (``terminated`` is set). A child that dies maps to
``timeout`` (SIGXCPU: the CPU rlimit; SIGKILL after at least ``cpu_s`` seconds:
the hard CPU limit; or the parent's wall-clock kill), ``memory`` (MemoryError,
or an earlier SIGKILL, which is how the kernel ends a process out of memory) or
``crashed`` (anything else, with the tail of its stderr).
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rlgpt.code.errors import CodeRejected

CHILD_MODULE = "rlgpt.code._dryrun_child"
_STDERR_TAIL = 1500


@dataclass(frozen=True, kw_only=True)
class DryRunSpec:
    """What to try, where, and under which limits (picklable).

    :param env_entry_point: ``"module:callable"`` environment factory.
    :param env_kwargs: keyword arguments for the factory.
    :param skill_api: ``"module:Class"`` of the :class:`~rlgpt.skills.SkillAPI` subclass.
    :param source: the program's source (as in :attr:`~rlgpt.code.Program.source`).
    :param function: the function to call with the skill API.
    :param kind: ``"action"`` acts in the env; ``"predicate"`` may only observe and must return a bool.
    :param seed: seed of the first episode's reset (episode ``i`` uses ``seed + i``).
    :param step_budget: primitive steps the function may take per call.
    :param call_timeout_s: wall-clock limit of one call (in the child).
    :param cpu_s: CPU seconds the child may spend after building the env (RLIMIT_CPU).
    :param memory_mb: address space the child may add after building the env (RLIMIT_AS).
    :param wall_s: wall-clock limit of the whole child, enforced by the parent.
    :param episodes: how many episodes to try the function in.
    :param warmup_actions: primitive actions applied after each reset, before the call.
    :param call_args: further positional arguments after the skill API (a parameterised
        coded action's ``params``, say).
    :param extra_sys_path: directories put in front of the child's ``PYTHONPATH``.
    :param done_function: the program's done condition, checked (read-only) after each call of an
        action; the call is repeated, as a code sub-task's policy does, until it holds, the episode
        ends, ``max_calls`` calls were made or three calls in a row took no step.
    :param max_calls: most calls of the function per episode (only with ``done_function``).
    :param describe: ``"module:callable"`` of the environment's ``describe(obs, info)``, for the
        state before and after in the trace (``""``: the small entries of ``info``).
    """

    env_entry_point: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    skill_api: str
    source: str
    function: str
    kind: Literal["action", "predicate"] = "action"
    seed: int = 0
    step_budget: int = 100
    call_timeout_s: float = 5.0
    cpu_s: float = 10.0
    memory_mb: int = 512
    wall_s: float = 60.0
    episodes: int = 1
    warmup_actions: tuple[Any, ...] = ()
    call_args: tuple[Any, ...] = ()
    extra_sys_path: tuple[str, ...] = ()
    done_function: str | None = None
    max_calls: int = 1
    describe: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("action", "predicate"):
            raise ValueError(f"kind must be 'action' or 'predicate', got {self.kind!r}")
        positive = ("step_budget", "call_timeout_s", "cpu_s", "memory_mb", "wall_s", "episodes", "max_calls")
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"DryRunSpec.{name} must be positive, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class DryRunResult:
    """What the dry run saw.

    :param ok: the function ran in every episode without being rejected.
    :param error: why not, when ``ok`` is false.
    :param steps: primitive steps taken, summed over episodes.
    :param reward: reward collected, summed over episodes.
    :param terminated: whether the last episode ended (terminated or truncated).
    :param return_value: ``repr`` of the last call's return value.
    :param wall_s: seconds the child ran, as seen by the parent.
    :param output: what the code printed.
    :param reached: episodes whose done condition held when the calls stopped (with
        :attr:`DryRunSpec.done_function`).
    :param calls: calls of the function made, summed over episodes.
    :param trace: the first episode's :mod:`execution trace <rlgpt.code.trace>`: skill calls with
        their arguments and results, the state before and after, and where it stopped.
    """

    ok: bool
    error: CodeRejected | None
    steps: int = 0
    reward: float = 0.0
    terminated: bool = False
    return_value: str = ""
    wall_s: float = 0.0
    output: str = ""
    reached: int = 0
    calls: int = 0
    trace: str = ""


def dry_run(spec: DryRunSpec) -> DryRunResult:
    """Run ``spec.function`` in a fresh child process under CPU, memory and wall-clock limits."""
    with tempfile.TemporaryDirectory(prefix="rlgpt-dryrun-") as tmp:
        spec_path, result_path = Path(tmp, "spec.pkl"), Path(tmp, "result.json")
        spec_path.write_bytes(pickle.dumps(spec))
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        if spec.extra_sys_path:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [*spec.extra_sys_path, env.get("PYTHONPATH")]))
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", CHILD_MODULE, str(spec_path), str(result_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        try:
            _, stderr = child.communicate(timeout=spec.wall_s)
            killed = False
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            _, stderr = child.communicate()
            killed = True
        wall = time.monotonic() - started
        if killed:
            message = f"the dry run exceeded its wall-clock limit of {spec.wall_s:g} s and was killed"
            return DryRunResult(ok=False, error=CodeRejected("timeout", message), wall_s=wall)
        if result_path.exists():
            return _read_result(result_path, wall)
        return DryRunResult(ok=False, error=_death(child.returncode, stderr, spec, wall), wall_s=wall)


def _read_result(path: Path, wall: float) -> DryRunResult:
    data = json.loads(path.read_text())
    error = CodeRejected.from_dict(data["error"]) if data["error"] else None
    return DryRunResult(
        ok=error is None,
        error=error,
        steps=int(data["steps"]),
        reward=float(data["reward"]),
        terminated=bool(data["terminated"]),
        return_value=str(data["return_value"]),
        wall_s=wall,
        output=str(data["output"]),
        reached=int(data["reached"]),
        calls=int(data["calls"]),
        trace=str(data["trace"]),
    )


def _death(returncode: int, stderr: bytes, spec: DryRunSpec, wall: float) -> CodeRejected:
    """Explain a child that exited without writing its result.

    SIGKILL is the kernel's answer both to running out of memory and to passing the
    hard CPU limit; a child that ran for less wall time than its CPU allowance cannot
    have done the latter.
    """
    tail = stderr.decode(errors="replace")[-_STDERR_TAIL:].strip()
    cpu_exhausted = returncode == -signal.SIGXCPU or (returncode == -signal.SIGKILL and wall >= spec.cpu_s)
    if cpu_exhausted:
        return CodeRejected(
            "timeout",
            f"`{spec.function}` used more than {spec.cpu_s:g} s of CPU time and was stopped; avoid huge "
            "computations (large ranges, big numbers) and make every loop end",
        )
    if returncode == -signal.SIGKILL:
        return CodeRejected(
            "memory",
            f"the dry run of `{spec.function}` was killed (SIGKILL), which the system does when a process "
            f"runs out of memory (limit {spec.memory_mb} MB); do not build large lists or strings",
        )
    how = f"signal {_signal_name(-returncode)}" if returncode < 0 else f"exit status {returncode}"
    return CodeRejected(
        "crashed",
        f"the dry run of `{spec.function}` died ({how}) without a result" + (f":\n{tail}" if tail else ""),
    )


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)
