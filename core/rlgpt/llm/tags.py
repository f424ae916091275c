"""Render a request's opaque tags for error messages and logs."""

from __future__ import annotations

from collections.abc import Mapping


def format_tags(tags: Mapping[str, object], sep: str = " ") -> str:
    """Render tags as ``key=value`` pairs joined by ``sep``, in order (``"role=coder iteration=2"``)."""
    return sep.join(f"{key}={value}" for key, value in tags.items())
