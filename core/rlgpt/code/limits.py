"""Run generated code with a wall-clock limit, in the calling thread.

On the main thread the limit is a ``SIGALRM`` timer (``signal.setitimer``); its
handler raises :class:`~rlgpt.code.errors.CodeTimeout` between two bytecodes,
which stops pure-Python loops such as ``while True: pass``. The timer re-fires
every 50 ms after the deadline, so the timeout cannot be outlived. It raises
only while generated code (frames compiled under ``<coded_action:...>``) is
running: when it finds host code underway (an environment step), it marks the
generated frames below it so that the next generated line raises, and the step
finishes whole; only a skill hung for :data:`GRACE_S` past the deadline is
interrupted. Elsewhere a
``sys.settrace`` hook checks the deadline on every line of generated code; it
replaces any other trace function (a debugger, coverage) for the duration of
the call.

Limits nest: an inner call runs under the outer deadline as well, and a timer
or handler that was installed before (``pytest-timeout``, say) is put back
afterwards, with its remaining time. Neither mechanism interrupts a single long
C call (``sum(range(10**12))``): :class:`rlgpt.code.host.CodeHost` runs
every call of a plan's programs in a supervised child process for that reason.

How outcomes surface:

- the code's own exceptions become ``CodeRejected(reason="runtime_error")`` with a
  traceback trimmed to the generated lines, and ``MemoryError`` becomes ``memory``;
- the timeout becomes ``CodeRejected(reason="timeout")``;
- :class:`~rlgpt.skills.StepBudgetExceeded`, :class:`~rlgpt.skills.EpisodeOver` and
  :class:`~rlgpt.skills.ReadOnlySkills` are re-raised unchanged: the caller decides
  (the macro-action wrapper ends the macro on the first two).
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, TypeVar

from rlgpt.code.errors import (
    CODE_FILENAME_PREFIX,
    CodeRejected,
    CodeTimeout,
    runtime_rejection,
    timeout_rejection,
)

T = TypeVar("T")

_REFIRE_S = 0.05
GRACE_S = 2.0
"""How long past the deadline a timer waits for control to come back to generated code."""


@dataclass(eq=False)
class _Limit:
    deadline: float
    timeout_s: float
    done: bool = False
    """Set as soon as the call returns or raises, so a late alarm cannot hit the clean-up."""


@dataclass
class _Saved:
    """What was in place before the outermost limit of a thread started."""

    handler: Any = None
    timer: tuple[float, float] = (0.0, 0.0)
    trace: Any = None
    trace_changed: bool = False
    started: float = 0.0


@dataclass
class _ThreadState:
    stack: list[_Limit] = field(default_factory=list)
    saved: _Saved = field(default_factory=_Saved)


_local = threading.local()


def _state() -> _ThreadState:
    state = getattr(_local, "state", None)
    if state is None:
        state = _local.state = _ThreadState()
    return state


def call_with_limits(fn: Callable[..., T], *args: Any, timeout_s: float, **kwargs: Any) -> T:
    """Call ``fn(*args, **kwargs)`` in this thread and stop it after ``timeout_s`` seconds.

    :raises CodeRejected: ``timeout``, ``memory`` or ``runtime_error`` (see the module doc).
    :raises StepBudgetExceeded | EpisodeOver | ReadOnlySkills: unchanged.
    """
    if not timeout_s > 0:
        raise ValueError(f"timeout_s must be a positive number of seconds, got {timeout_s!r}")
    name = getattr(fn, "__name__", repr(fn))
    limit = _Limit(time.monotonic() + timeout_s, timeout_s)
    use_signal = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    state = _state()
    _enter(state, limit, use_signal)
    try:
        try:
            return fn(*args, **kwargs)
        finally:
            limit.done = True
    except CodeTimeout as exc:
        if exc.limit is not limit:
            raise
        raise timeout_rejection(
            name,
            timeout_s,
            "make sure every loop ends (bound it by a counter, and return when the goal is reached or "
            "cannot be reached)",
        ) from None
    except CodeRejected:
        raise
    except MemoryError:
        raise CodeRejected(
            "memory", f"`{name}` ran out of memory; do not build large lists, strings or numbers"
        ) from None
    except Exception as exc:
        raise runtime_rejection(exc, name) from exc
    finally:
        _exit(state, limit, use_signal)


def _enter(state: _ThreadState, limit: _Limit, use_signal: bool) -> None:
    if not state.stack:
        saved = state.saved
        saved.started = time.monotonic()
        saved.trace = sys.gettrace()
        if use_signal:
            saved.handler = signal.getsignal(signal.SIGALRM)
            saved.timer = signal.getitimer(signal.ITIMER_REAL)
            signal.signal(signal.SIGALRM, _on_alarm)
        else:
            saved.trace_changed = True
            sys.settrace(_trace_call)
    state.stack.append(limit)
    if use_signal:
        _arm(state.stack)


def _exit(state: _ThreadState, limit: _Limit, use_signal: bool) -> None:
    state.stack.remove(limit)
    if state.stack:
        if use_signal:
            _arm(state.stack)
        else:
            sys.settrace(_trace_call)  # a timeout raised from the tracer switched tracing off
        return
    saved = state.saved
    if use_signal:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, saved.handler if saved.handler is not None else signal.SIG_DFL)
        delay, interval = saved.timer
        if delay > 0:
            remaining = delay - (time.monotonic() - saved.started)
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-6), interval)
    if saved.trace_changed:
        sys.settrace(saved.trace)
    state.saved = _Saved()


def _arm(stack: list[_Limit]) -> None:
    nearest = min(limit.deadline for limit in stack)
    signal.setitimer(signal.ITIMER_REAL, max(nearest - time.monotonic(), 1e-4), _REFIRE_S)


def _expired(stack: list[_Limit]) -> _Limit | None:
    """The outermost limit whose deadline has passed (its caller must see the timeout)."""
    now = time.monotonic()
    return next((limit for limit in stack if not limit.done and now >= limit.deadline), None)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    stack = _state().stack
    limit = _expired(stack)
    if limit is None:
        if stack:
            _arm(stack)
        return
    if frame is None or _is_generated(frame) or time.monotonic() > limit.deadline + GRACE_S:
        raise CodeTimeout(limit, limit.timeout_s)
    _trap_generated_frames(frame)


def _trap_generated_frames(frame: FrameType | None) -> None:
    """Let the host code underway finish; the next line of generated code on the stack raises."""
    saved = _state().saved
    if not saved.trace_changed:
        saved.trace_changed = True
        sys.settrace(_trace_call)
    while frame is not None:
        if _is_generated(frame):
            frame.f_trace = _trace_line
        frame = frame.f_back


def _is_generated(frame: FrameType) -> bool:
    return frame.f_code.co_filename.startswith(CODE_FILENAME_PREFIX)


def _trace_call(frame: FrameType, event: str, arg: Any) -> Any:
    if _is_generated(frame):
        _check_deadline()
        return _trace_line
    return None


def _trace_line(frame: FrameType, event: str, arg: Any) -> Any:
    _check_deadline()
    return _trace_line


def _check_deadline() -> None:
    limit = _expired(_state().stack)
    if limit is not None:
        raise CodeTimeout(limit, limit.timeout_s)
