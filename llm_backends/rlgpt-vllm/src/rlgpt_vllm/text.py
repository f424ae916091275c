"""Error-message helpers."""

from __future__ import annotations


def one_line(text: object, limit: int = 300) -> str:
    """``str(text)`` with its whitespace collapsed, cut to ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
