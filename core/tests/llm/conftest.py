"""Fixtures of the LLM layer's tests: transcripts written to temporary files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_transcript(tmp_path: Path) -> Callable[..., Path]:
    """``write_transcript(*entries, name=...)`` writes JSONL lines (dicts are dumped, strings kept)."""

    def write(*entries: dict | str, name: str = "transcript.jsonl") -> Path:
        path = tmp_path / name
        lines = [entry if isinstance(entry, str) else json.dumps(entry) for entry in entries]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write
