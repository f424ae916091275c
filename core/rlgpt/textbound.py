"""Bound text that comes from LLMs and generated code before it goes anywhere.

Every message that enters a prompt, an event or a report passes through
:func:`bound_text`: lone surrogates (what decoding binary with
``surrogateescape`` leaves) become ``\\udcxx`` escapes so the text is always
valid UTF-8; runs of identical lines or blocks of lines (a RecursionError's
thousand identical frames) keep their first and last copy and say how many were
left out; and what is still over the limit keeps its head and tail and says how
many characters were dropped. Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_MESSAGE_CHARS = 4000
"""Default limit of one message (a rejection, an error, a summary line)."""
MAX_BLOCK_LINES = 6
"""Longest block of lines whose repetitions are collapsed."""
MIN_REPEATS = 3


def safe_text(text: str) -> str:
    """``text`` with lone surrogates replaced by ``\\udcxx`` escapes: always encodable as UTF-8."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def bound_text(text: object, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Clean, collapse repeated lines and cap ``text`` at about ``limit`` characters.

    :param text: any object; non-strings are converted with ``str``.
    :param limit: the most characters the result may have (markers included).
    """
    text = safe_text(text if isinstance(text, str) else str(text))
    if len(text) <= limit:
        return text
    text = collapse_repeats(text)
    if len(text) <= limit:
        return text
    marker = "\n[... {} characters dropped ...]\n"
    room = max(limit - len(marker) - 12, 0)
    head, tail = room * 2 // 3, room - room * 2 // 3
    dropped = len(text) - head - tail
    return text[:head] + marker.format(f"{dropped:,}") + (text[len(text) - tail :] if tail else "")


def collapse_repeats(text: str) -> str:
    """Replace runs of a repeated line or block of lines by its first and last copy and a count."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        size, repeats = _longest_run(lines, i)
        if repeats >= MIN_REPEATS:
            block = lines[i : i + size]
            noun = "line" if size == 1 else f"{size} lines"
            out += block
            out.append(f"  [... the {noun} above repeated {repeats - 2:,} more times ...]")
            out += block
            i += size * repeats
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out)


def _longest_run(lines: list[str], start: int) -> tuple[int, int]:
    """``(block size, repetitions)`` of the block starting at ``start`` that covers the most lines."""
    best = (1, 1)
    for size in range(1, MAX_BLOCK_LINES + 1):
        block = lines[start : start + size]
        if len(block) < size:
            break
        repeats = 1
        while lines[start + repeats * size : start + (repeats + 1) * size] == block:
            repeats += 1
        if repeats >= MIN_REPEATS and size * repeats > best[0] * best[1]:
            best = (size, repeats)
    return best


def bound_values(value: Any, limit: int = MAX_MESSAGE_CHARS * 4) -> Any:
    """``value`` with every string inside (dict keys and values, list items) cleaned and bounded."""
    if isinstance(value, str):
        return bound_text(value, limit)
    if isinstance(value, Mapping):
        return {
            bound_values(k, limit) if isinstance(k, str) else k: bound_values(v, limit)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [bound_values(item, limit) for item in value]
    return value
