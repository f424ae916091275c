"""Why generated code was refused, and the control exceptions the sandbox raises.

:class:`CodeRejected` is the one exception callers of :mod:`rlgpt.code` handle:
its :attr:`~CodeRejected.reason` is a short machine tag (counted in a run's
metrics) and its :attr:`~CodeRejected.message` is a precise sentence written to
be sent back to the LLM coder.
"""

from __future__ import annotations

import traceback
from types import TracebackType
from typing import Any, Literal, get_args

from rlgpt.textbound import bound_text

RejectReason = Literal[
    "syntax",
    "no_code_block",
    "missing_function",
    "bad_signature",
    "forbidden_import",
    "forbidden_name",
    "dunder_access",
    "forbidden_statement",
    "too_complex",
    "timeout",
    "step_budget",
    "runtime_error",
    "memory",
    "crashed",
]
REJECT_REASONS: tuple[str, ...] = get_args(RejectReason)

CODE_FILENAME_PREFIX = "<coded_action:"
SOURCE_KEY = "__rlgpt_source__"
"""Key under which a compiled program's namespace keeps its source lines (for tracebacks)."""


class CodeRejected(Exception):
    """Generated code was refused or failed.

    :param reason: one of :data:`REJECT_REASONS`.
    :param message: a human sentence naming the line and the fix, meant for the LLM coder; bounded
        by :func:`rlgpt.textbound.bound_text` (repeated frames collapsed, a few thousand characters).
    :param line: the 1-based line of the generated source at fault, when known.
    """

    def __init__(self, reason: RejectReason, message: str, *, line: int | None = None) -> None:
        if reason not in REJECT_REASONS:
            raise ValueError(f"unknown rejection reason {reason!r} (reasons: {', '.join(REJECT_REASONS)})")
        message = bound_text(message)
        super().__init__(message)
        self.reason: RejectReason = reason
        self.message = message
        self.line = line

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.reason, self.message, self.line))

    def __str__(self) -> str:
        return f"[{self.reason}] {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data (``reason``, ``message``, ``line``) for JSON and event logs."""
        return {"reason": self.reason, "message": self.message, "line": self.line}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CodeRejected:
        """Rebuild from :meth:`to_dict` output."""
        return cls(data["reason"], data["message"], line=data.get("line"))


def _rebuild(reason: RejectReason, message: str, line: int | None) -> CodeRejected:
    return CodeRejected(reason, message, line=line)


class CodeTimeout(BaseException):
    """Raised inside generated code when its wall-clock limit passes.

    It derives from :class:`BaseException` so ``except Exception`` in generated
    code cannot swallow it; :func:`rlgpt.code.call_with_limits` turns it into
    ``CodeRejected(reason="timeout")``.
    """

    def __init__(self, limit: object, timeout_s: float) -> None:
        super().__init__(f"wall-clock limit of {timeout_s:g} s exceeded")
        self.limit = limit
        self.timeout_s = timeout_s


TIMEOUT_SETTING = "code.call_timeout_s"
"""The run setting that holds the wall-clock limit of one call of generated code."""


def timeout_rejection(function: str, timeout_s: float, fix: str) -> CodeRejected:
    """A ``timeout`` rejection: the wall-clock limit stopped ``function``; names the setting."""
    return CodeRejected(
        "timeout",
        f"`{function}` was stopped by the wall-clock limit of {timeout_s:g} s per call (setting "
        f"`{TIMEOUT_SETTING}`); {fix}",
    )


def code_filename(name: str) -> str:
    """The filename generated code is compiled under, so tracebacks name it."""
    return f"{CODE_FILENAME_PREFIX}{name}>"


def generated_frames(tb: TracebackType | None) -> list[tuple[str, int, str, str]]:
    """``(filename, line, function, source line)`` of the traceback's frames in generated code."""
    frames = []
    for frame, lineno in traceback.walk_tb(tb):
        filename = frame.f_code.co_filename
        if not filename.startswith(CODE_FILENAME_PREFIX):
            continue
        lines = frame.f_globals.get(SOURCE_KEY, ())
        text = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
        frames.append((filename, lineno, frame.f_code.co_name, text))
    return frames


def runtime_rejection(exc: BaseException, function: str) -> CodeRejected:
    """Turn an exception raised while running generated code into ``CodeRejected``.

    The message names the exception, the innermost generated line, and a
    traceback trimmed to the generated code's frames.
    """
    frames = generated_frames(exc.__traceback__)
    error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if not frames:
        return CodeRejected("runtime_error", f"`{function}` failed before running any of its lines: {error}")
    _, lineno, func, text = frames[-1]
    stack = "\n".join(
        f'  File "{filename}", line {line}, in {name}' + (f"\n    {src}" if src else "")
        for filename, line, name, src in frames
    )
    head = f"line {lineno}" + (f" (`{text}`)" if text else "") + f", in `{func}`: {error}"
    message = f"{head}\nTraceback (most recent call last, generated code only):\n{stack}\n{error}"
    return CodeRejected("runtime_error", message, line=lineno)
