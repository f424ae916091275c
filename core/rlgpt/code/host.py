"""Run generated functions in a supervised child process, one call at a time.

A wall-clock timer in the calling process cannot stop a long C-level call
(``sum(range(10**12))`` never returns to the interpreter loop), and a memory
limit on the process that steps the environment would hit the environment too.
So :class:`CodeHost` keeps a program in a child process (``python -m
rlgpt.code._host_child``) with its own address-space limit (``RLIMIT_AS``) and
runs each call there, while the environment stays in the calling process: every
primitive step the code takes is sent back and taken by the caller's
:class:`~rlgpt.skills.Actuator` (so step budgets, rewards and episode ends are
kept where they always were). The child runs the call under
:func:`~rlgpt.code.call_with_limits` (pure-Python loops end there, politely);
the caller kills the child when a call passes ``timeout_s + grace_s`` without an
answer, and starts a fresh one for the next call.

A function that fails by ``timeout``, ``memory`` or ``crashed`` ``disable_after``
times is disabled: later calls fail at once with the same named reason, so a
program that hangs on every second call cannot stall training.

The child ran untrusted code, so nothing it sends is unpickled: it answers in
JSON, and actions are plain numbers or ``{"array": [...], "dtype": ...}``.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import reprlib
import signal
import socket
import subprocess
import sys
import time
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from rlgpt.code.errors import CodeRejected, timeout_rejection
from rlgpt.skills import EpisodeOver, ReadOnlySkills, SkillAPI, StepBudgetExceeded, actuator_of

CHILD_MODULE = "rlgpt.code._host_child"
CONTROL_EXCEPTIONS: dict[str, type[BaseException]] = {
    cls.__name__: cls for cls in (StepBudgetExceeded, EpisodeOver, ReadOnlySkills)
}
"""Exceptions that end a call without being a failure of the code; they cross the process boundary by name."""
HARD_FAILURES = ("timeout", "memory", "crashed")
LOAD_TIMEOUT_S = 60.0
"""How long a new child may take to import the skill API and load the program."""
_NUMERIC_KINDS = "biuf"
_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 200


@dataclass(frozen=True)
class HostLimits:
    """Limits of every call a :class:`CodeHost` runs.

    :param timeout_s: wall-clock limit of one call (environment steps included).
    :param memory_mb: address space the child may add after loading the program.
    :param grace_s: how long past ``timeout_s`` the caller waits before killing the child.
    :param disable_after: hard failures (timeout, memory, crash) after which a function is disabled.
    """

    timeout_s: float = 10.0
    memory_mb: int = 1024
    grace_s: float = 1.0
    disable_after: int = 3


class CodeHost:
    """A program's functions, each call run in a supervised child process.

    A call made while another is underway (a done condition checked inside an
    environment step that a coded action took) runs in a second child, so each
    nesting depth has its own process.

    :param source: the program's source (already extracted and checked).
    :param skill_api: ``"module:Class"`` of the skill API the functions receive.
    :param limits: per-call limits.
    :param failure_log: a JSON-lines file each failed call appends to (``function``, ``reason``,
        ``message``), so the process that runs a training in subprocesses can count them.
    """

    def __init__(
        self,
        source: str,
        skill_api: str,
        limits: HostLimits = HostLimits(),
        failure_log: str | None = None,
    ) -> None:
        self.source = source
        self.skill_api = skill_api
        self.limits = limits
        self.failure_log = failure_log
        self.hard_failures = HardFailures(limits.disable_after)
        self._workers: list[_Worker] = []
        self._depth = 0

    def function(self, name: str) -> Callable[..., Any]:
        """``fn(api, *args)`` that runs ``name`` in a child process."""

        def hosted(api: SkillAPI, *args: Any) -> Any:
            return self.call(name, api, *args)

        hosted.__name__ = hosted.__qualname__ = name
        return hosted

    def call(self, name: str, api: SkillAPI, *args: Any) -> Any:
        """Run ``name(api, *args)`` in a child; its steps act through ``api``'s actuator.

        :raises CodeRejected: the code failed (``runtime_error``, ``timeout``, ``memory``, ``crashed``).
        :raises StepBudgetExceeded | EpisodeOver | ReadOnlySkills: as in the calling process.
        """
        self.hard_failures.check(name)
        if len(self._workers) <= self._depth:
            self._workers.append(_Worker(self))
        worker = self._workers[self._depth]
        self._depth += 1
        try:
            return worker.call(name, actuator_of(api), args)
        except CodeRejected as exc:
            self._log_failure(name, exc)
            self.hard_failures.record(name, exc)
            raise
        finally:
            self._depth -= 1

    def _log_failure(self, name: str, exc: CodeRejected) -> None:
        if self.failure_log:
            log_call_failure(self.failure_log, name, exc)

    @property
    def failures(self) -> Counter[str]:
        """Hard failures (timeout, memory, crash) per function so far."""
        return self.hard_failures.counts

    def close(self) -> None:
        """Stop the children (a later call starts new ones)."""
        for worker in self._workers:
            worker.close()


class HardFailures:
    """Counts each function's hard failures (timeout, memory, crash) and disables it after ``disable_after``.

    A disabled function fails at once with the same named reason, so a program that hangs on every
    second call cannot stall training.
    """

    def __init__(self, disable_after: int) -> None:
        self.disable_after = disable_after
        self.counts: Counter[str] = Counter()
        self._disabled: dict[str, CodeRejected] = {}

    def check(self, name: str) -> None:
        """Raise the disabling failure when ``name`` is disabled."""
        if name in self._disabled:
            raise self._disabled[name]

    def record(self, name: str, exc: CodeRejected) -> None:
        """Count ``exc`` when it is a hard failure; disable ``name`` at the limit."""
        if exc.reason not in HARD_FAILURES:
            return
        self.counts[name] += 1
        if self.counts[name] >= self.disable_after:
            message = f"`{name}` is disabled after {self.counts[name]} failures; the last: {exc.message}"
            self._disabled[name] = CodeRejected(exc.reason, message)


def log_call_failure(path: str, name: str, exc: CodeRejected) -> None:
    """Append one failed call (``function``, ``reason``, ``message``) to the JSON-lines file ``path``."""
    line = json.dumps({"function": name, "reason": exc.reason, "message": exc.message[:500]}) + "\n"
    with contextlib.suppress(OSError), open(path, "a", encoding="utf-8") as handle:
        handle.write(line)  # one short append: whole lines even from several processes


class _Worker:
    """One child process of a :class:`CodeHost`, started on first use and after a kill."""

    def __init__(self, host: CodeHost) -> None:
        self.source, self.skill_api, self.limits = host.source, host.skill_api, host.limits
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._finalizer: weakref.finalize | None = None

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._process = self._conn = self._finalizer = None

    def call(self, name: str, actuator: Any, args: tuple[Any, ...]) -> Any:
        conn = self._ensure_started()
        deadline = time.monotonic() + self.limits.timeout_s + self.limits.grace_s
        budget = None if actuator.budget is None else actuator.budget - actuator.steps
        read_only = actuator.read_only or actuator.step is None
        over = actuator.terminated or actuator.truncated
        self._send(conn, ("call", name, actuator.obs, actuator.info, budget, read_only, over, args))
        while True:
            reply = self._receive(conn, name, deadline)
            op = reply.get("op")
            if op == "step":
                self._send(conn, _step(actuator, reply.get("action")))
            elif op == "return":
                return decode_return(reply)
            elif op == "control" and reply.get("name") in CONTROL_EXCEPTIONS:
                raise CONTROL_EXCEPTIONS[reply["name"]](str(reply.get("message", "")))
            elif op == "error":
                raise CodeRejected.from_dict(reply["error"])
            else:
                self.close()
                raise CodeRejected("crashed", f"`{name}`: the code's process sent an unexpected message")

    def _ensure_started(self) -> Connection:
        if self._conn is not None and self._process is not None and self._process.poll() is None:
            return self._conn
        self.close()
        parent_sock, child_sock = socket.socketpair()
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
        with child_sock:
            process = subprocess.Popen(
                [sys.executable, "-m", CHILD_MODULE, str(child_sock.fileno())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                pass_fds=(child_sock.fileno(),),
                start_new_session=True,
            )
        conn = Connection(parent_sock.detach())
        self._process, self._conn = process, conn
        self._finalizer = weakref.finalize(self, _stop, process, conn)
        self._send(conn, ("load", self.source, self.skill_api, self.limits.memory_mb, self.limits.timeout_s))
        try:
            reply = self._receive(conn, "loading the program", time.monotonic() + LOAD_TIMEOUT_S)
        except CodeRejected as exc:
            raise CodeRejected(
                "crashed",
                f"the code's process could not load the program within {LOAD_TIMEOUT_S:g} s ({exc.reason})",
            ) from None
        if reply.get("op") == "error":
            self.close()
            raise CodeRejected.from_dict(reply["error"])
        return conn

    def _send(self, conn: Connection, message: tuple[Any, ...]) -> None:
        """Pickle and send; ``info`` entries that cannot be pickled are left out (the code sees the rest)."""
        try:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            data = pickle.dumps(tuple(_picklable(m) if isinstance(m, dict) else m for m in message))
        with contextlib.suppress(OSError, ValueError):  # the child is gone; the next receive says why
            conn.send_bytes(data)

    def _receive(self, conn: Connection, name: str, deadline: float) -> dict[str, Any]:
        try:
            ready = conn.poll(max(deadline - time.monotonic(), 0.0))
            data = conn.recv_bytes() if ready else None
        except (EOFError, OSError):
            data, ready = None, True
        if data is not None:
            try:
                reply = json.loads(data)
            except (ValueError, UnicodeDecodeError, RecursionError):
                reply = None
            if isinstance(reply, dict):
                return reply
        process = self._process
        self.close()
        if not ready:
            raise timeout_rejection(
                name,
                self.limits.timeout_s,
                "avoid huge computations (large ranges, big numbers) and make every loop end",
            )
        returncode = process.wait() if process is not None else None
        if returncode == -signal.SIGKILL or returncode == -signal.SIGSEGV:
            raise CodeRejected(
                "memory",
                f"`{name}` was killed by the system, which happens when a process runs out of memory "
                f"(limit {self.limits.memory_mb} MB); do not build large lists, strings or numbers",
            )
        raise CodeRejected("crashed", f"`{name}`: the code's process died (exit status {returncode})")


def encode_return(name: str, value: Any) -> dict[str, Any]:
    """A return value as JSON data: plain numbers as they are, anything else as its truth and ``repr``.

    :raises CodeRejected: ``runtime_error`` when the value is neither true nor false.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | float) or (isinstance(value, int) and abs(value) <= 2**53):
        return {"value": value}
    try:
        truthy = bool(value)
    except Exception as exc:
        raise CodeRejected(
            "runtime_error",
            f"`{name}` returned a value that is neither true nor false: {type(exc).__name__}: {exc}",
        ) from None
    try:
        text = _repr.repr(value)
    except Exception:
        text = f"<{type(value).__name__} too large to show>"
    return {"truthy": truthy, "repr": text}


def decode_return(data: dict[str, Any]) -> Any:
    """What the caller of a generated function gets for :func:`encode_return`'s ``data``."""
    if "value" in data:
        return data["value"]
    return _Opaque(bool(data.get("truthy")), str(data.get("repr", "")))


@dataclass(frozen=True)
class _Opaque:
    """A return value that is not plain data: only its truth and its ``repr`` come back."""

    truthy: bool
    text: str

    def __bool__(self) -> bool:
        return self.truthy

    def __repr__(self) -> str:
        return self.text


def _step(actuator: Any, encoded: Any) -> tuple[Any, ...]:
    try:
        action = decode_action(encoded)
    except ValueError as exc:
        return ("refused", "ValueError", str(exc))
    try:
        obs, reward, terminated, truncated, info = actuator.act(action)
    except tuple(CONTROL_EXCEPTIONS.values()) as exc:
        return ("refused", type(exc).__name__, str(exc))
    return ("stepped", obs, float(reward), bool(terminated), bool(truncated), info)


def encode_action(action: Any) -> Any:
    """An action as JSON data (numbers, lists, ``{"array", "dtype"}``); ``ValueError`` when it is not one."""
    if isinstance(action, np.ndarray):
        if action.dtype.kind not in _NUMERIC_KINDS:
            raise ValueError(f"an action array must hold numbers, not {action.dtype}")
        return {"array": action.tolist(), "dtype": action.dtype.str}
    if isinstance(action, np.generic):
        action = action.item()
    if isinstance(action, bool | int | float | str) or action is None:
        return action
    if isinstance(action, list | tuple):
        return [encode_action(item) for item in action]
    raise ValueError(f"an action must be a number, a string or an array, not {type(action).__name__}")


def decode_action(data: Any) -> Any:
    """Inverse of :func:`encode_action`, accepting only numeric dtypes."""
    if isinstance(data, dict):
        dtype = np.dtype(str(data.get("dtype", "")))
        if dtype.kind not in _NUMERIC_KINDS:
            raise ValueError(f"an action array must hold numbers, not {dtype}")
        return np.asarray(data.get("array"), dtype=dtype)
    if isinstance(data, list):
        return [decode_action(item) for item in data]
    return data


def _picklable(info: dict[str, Any]) -> dict[str, Any]:
    """``info`` without the entries that cannot be pickled (the code sees the rest)."""
    kept = {}
    for key, value in info.items():
        try:
            pickle.dumps(value)
        except Exception:
            continue
        kept[key] = value
    return kept


def _stop(process: subprocess.Popen[bytes], conn: Connection) -> None:
    with contextlib.suppress(OSError):
        conn.close()
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()
