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
    """A short ``repr`` of ``value`` for a trace line; a large mapping (an inventory, say) shows its
    non-zero, non-empty entries and counts the others."""
    try:
        if isinstance(value, Mapping) and len(value) > _repr.maxdict:
            shown = {key: item for key, item in value.items() if _is_set(item)}
            rest = len(value) - len(shown)
            parts = [_repr.repr(shown)[1:-1]] if shown else []
            return "{" + ", ".join(parts + ([f"+{rest} zero or empty"] if rest else [])) + "}"
        return _repr.repr(value)
    except Exception:  # a repr that fails is named, never raised
        return f"<{type(value).__name__}>"


def _is_set(item: Any) -> bool:
    try:
        return bool(item)
    except Exception:  # an array, say: shown
        return True


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
        self._head: list[tuple[str, int]] = []
        """The first lines, each with how often it came in a row."""
        self._tail: deque[Callable[[], str]] = deque(maxlen=_TAIL_EVENTS)
        self._events = 0

    def event(self, line: Callable[[], str]) -> None:
        """Log one event; ``line()`` formats it, and is called only for events that are kept. The
        first events are kept whole, the same line in a row once with a count."""
        self._events += 1
        if len(self._head) < _HEAD_EVENTS:
            text = line()
            if self._head and self._head[-1][0] == text:
                self._head[-1] = (text, self._head[-1][1] + 1)
            else:
                self._head.append((text, 1))
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
        skipped = self._events - sum(count for _, count in self._head) - len(self._tail)
        tail = _counted([(line(), 1) for line in self._tail])
        if not skipped:
            events = _counted(self._head + [(line, 1) for line in tail])
        else:
            marker = f"  [... {skipped:,} more lines left out ({self.calls:,} skill calls in all) ...]"
            events = [*_counted(self._head), marker, *tail]
        lines = [bound_text(line, LINE_CHARS).replace("\n", " ") for line in events]
        if self.before:
            lines.insert(0, f"state before: {self.before}")
        if self.after:
            lines.append(f"state after: {self.after}")
        if self.stopped:
            lines.append(bound_text(f"stopped: {self.stopped}", LINE_CHARS).replace("\n", " "))
        if len(lines) > MAX_LINES:  # the head, then the state after and the stop
            lines = lines[: MAX_LINES - 2] + lines[-2:]
        return bound_text("\n".join(lines), MAX_CHARS)


def _counted(lines: list[tuple[str, int]]) -> list[str]:
    """Lines with their counts, the same line in a row merged: ``line (x3)``."""
    merged: list[tuple[str, int]] = []
    for text, count in lines:
        if merged and merged[-1][0] == text:
            merged[-1] = (text, merged[-1][1] + count)
        else:
            merged.append((text, count))
    return [text if count == 1 else f"{text} (x{count})" for text, count in merged]


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
            lines = (line.strip() for line in str(describe(obs, info)).splitlines())
            return bound_text("; ".join(filter(None, lines)), STATE_CHARS).replace("\n", " ")
        except Exception as exc:  # describing is a courtesy: its failure is named, never raised
            return f"(describe failed: {type(exc).__name__})"
    small = {
        key: value
        for key, value in info.items()
        if isinstance(value, int | float | str | bool) or (isinstance(value, Mapping) and len(value) <= 24)
    }
    text = ", ".join(f"{key}={_plain(value)}" for key, value in small.items())
    return bound_text(text, STATE_CHARS).replace("\n", " ")


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {item}" for key, item in value.items()) + "}"
    return str(value)
