"""What backends that talk to a model server over HTTP share.

The server's retry hint (``Retry-After``), which error statuses are worth retrying
(the core's retry policy then decides when), and server error details cut to one
line for error messages.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Collection, Mapping

TRANSIENT_STATUS = frozenset({408, 429})
"""Request Timeout and Too Many Requests; every 5xx status is transient as well."""


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asks the client to wait before retrying, or ``None`` when it gives no hint.

    ``retry-after-ms`` (milliseconds) wins over ``retry-after`` (seconds or an HTTP date).
    Waits below zero, and dates in the past, mean no wait (0). Pass the response's
    headers as a case-insensitive mapping, or with lower-case names.
    """
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def is_transient_status(status: int, *, also: Collection[int] = ()) -> bool:
    """Whether an HTTP error ``status`` is worth retrying: 408, 429, any 5xx, or one of ``also``."""
    return status in TRANSIENT_STATUS or status >= 500 or status in also


def one_line(text: object, limit: int = 300) -> str:
    """``str(text)`` with its whitespace collapsed to single spaces, cut to ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
