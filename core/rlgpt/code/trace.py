"""What a program did in its dry run, in a few lines a coder or a critic can read.

:class:`TracingSkills` stands in for the skill API object a program is called with: it
forwards everything, and logs each skill method the program calls with its arguments and
what it returned (or raised). Calls a skill makes internally are not logged: only what the
program asked for. :class:`ExecutionTrace` keeps the lines bounded however many calls were
made (the first and the last ones, and how many were left out between them) and renders
them with the state before and after and where the run stopped, at most :data:`MAX_LINES`
lines and :data:`MAX_CHARS` characters.
"""

from __future__ import annotations

import reprlib
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from rlgpt.textbound import bound_text

MAX_LINES = 40
"""Most lines of a rendered trace."""
MAX_CHARS = 3000
"""Most characters of a rendered trace."""
LINE_CHARS = 160
"""Most characters of one line."""
STATE_CHARS = 400
"""Most characters of a state summary."""
_HEAD_EVENTS = 24
_TAIL_EVENTS = 10

_repr = reprlib.Repr()
_repr.maxstring, _repr.maxother, _repr.maxlist, _repr.maxtuple, _repr.maxdict = 40, 40, 4, 5, 6


def short(value: Any) -> str:
    """A short ``repr`` of ``value`` for a trace line."""
    try:
        return _repr.repr(value)
    except Exception:  # a repr that fails is named, never raised
        return f"<{type(value).__name__}>"


class ExecutionTrace:
    """The bounded record of one dry run: state lines, skill calls, returns, and the stop.

    Events are kept as they come for the first :data:`_HEAD_EVENTS`; after that only the
    latest :data:`_TAIL_EVENTS` are kept (formatted when rendered), and the rest counted.
    """

    def __init__(self) -> None:
        self.before = ""
        self.after = ""
        self.stopped = ""
        self.calls = 0
        self._head: list[str] = []
        self._tail: deque[Callable[[], str]] = deque(maxlen=_TAIL_EVENTS)
        self._events = 0

    def event(self, line: Callable[[], str]) -> None:
        """Log one event; ``line()`` formats it, and is called only for events that are kept."""
        self._events += 1
        if len(self._head) < _HEAD_EVENTS:
            self._head.append(line())
        else:
            self._tail.append(line)

    def call(self, name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any], outcome: str) -> None:
        """Log a skill call ``api.name(*args, **kwargs)`` and its outcome (``-> value`` or ``raised``)."""
        self.calls += 1

        def line() -> str:
            shown = [short(arg) for arg in args] + [f"{key}={short(value)}" for key, value in kwargs.items()]
            return f"  api.{name}({', '.join(shown)}) {outcome}"

        self.event(line)

    def render(self) -> str:
        """The trace as text: at most :data:`MAX_LINES` lines and :data:`MAX_CHARS` characters."""
        lines = [f"state before: {self.before}"] if self.before else []
        lines += self._head
        skipped = self._events - len(self._head) - len(self._tail)
        if skipped:
            lines.append(f"  [... {skipped:,} more lines left out ({self.calls:,} skill calls in all) ...]")
        lines += [line() for line in self._tail]
        if self.after:
            lines.append(f"state after: {self.after}")
        if self.stopped:
            lines.append(f"stopped: {self.stopped}")
        lines = [bound_text(line, LINE_CHARS).replace("\n", " ") for line in lines]
        return bound_text("\n".join(lines[:MAX_LINES]), MAX_CHARS)


class TracingSkills:
    """A skill API object that logs the program's skill calls into ``trace``, and otherwise is ``api``.

    Attributes that are not methods (``obs``, ``info``, ``episode_over``) are read through unlogged.
    """

    def __init__(self, api: Any, trace: ExecutionTrace) -> None:
        self._api, self._trace = api, trace

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._api, name)
        if not callable(value) or isinstance(value, type):
            return value
        trace = self._trace

        def traced(*args: Any, **kwargs: Any) -> Any:
            try:
                result = value(*args, **kwargs)
            except BaseException as exc:
                trace.call(name, args, kwargs, f"raised {type(exc).__name__}")
                raise
            trace.call(name, args, kwargs, f"-> {short(result)}")
            return result

        return traced


def state_summary(describe: Callable[[Any, Any], str] | None, obs: Any, info: Mapping[str, Any]) -> str:
    """The environment's own description of a state (``describe(obs, info)``), or, without one,
    the small entries of ``info`` (numbers, strings, small mappings); bounded."""
    if describe is not None:
        try:
            return bound_text(" ".join(str(describe(obs, info)).split()), STATE_CHARS)
        except Exception as exc:  # describing is a courtesy: its failure is named, never raised
            return f"(describe failed: {type(exc).__name__})"
    small = {
        key: value
        for key, value in info.items()
        if isinstance(value, int | float | str | bool) or (isinstance(value, Mapping) and len(value) <= 24)
    }
    return bound_text(", ".join(f"{key}={_plain(value)}" for key, value in small.items()), STATE_CHARS)


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {item}" for key, item in value.items()) + "}"
    return str(value)
