"""The evaluation's progress bar: shown on a terminal, silent when disabled or piped."""

from __future__ import annotations

import io

from rich.console import Console
from rlgpt.observers import episode_progress


def drawn(enabled: bool, terminal: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=terminal, width=100)
    with episode_progress(console, 3, enabled=enabled) as advance:
        for _ in range(3):
            advance()
    return out.getvalue()


def test_the_bar_counts_the_episodes_on_a_terminal():
    text = drawn(enabled=True, terminal=True)
    assert "evaluation episodes" in text and "3/3" in text


def test_nothing_is_drawn_when_disabled_or_piped():
    assert drawn(enabled=False, terminal=True) == ""
    assert "evaluation episodes" not in drawn(enabled=True, terminal=False)
