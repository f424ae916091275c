"""One-line errors for a bad name that list the valid ones and suggest the closest."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def check_choice(value: object, choices: Iterable[str], what: str) -> str:
    """Return ``value`` if it is one of ``choices``; otherwise raise ``ValueError`` naming them.

    The message reads ``unknown <what> 'x' (<what>s: a, b) - did you mean 'y'?``.
    """
    options = list(choices)
    if isinstance(value, str) and value in options:
        return value
    message = f"unknown {what} {value!r} ({what}s: {', '.join(options)})"
    close = difflib.get_close_matches(str(value), options, n=1)
    if close:
        message += f" - did you mean {close[0]!r}?"
    raise ValueError(message)
