"""docs/config.md is generated from the config models' field descriptions and kept current."""

from __future__ import annotations

import pydoc
import subprocess
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from rlgpt.config import RunConfig
from rlgpt.config_doc import missing_descriptions, render

REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "config.md"


def test_docs_config_md_is_the_generated_reference() -> None:
    generated = subprocess.run(
        [sys.executable, "-m", "rlgpt.config_doc"], capture_output=True, text=True, check=True
    ).stdout
    assert generated == REFERENCE.read_text(), (
        "docs/config.md is out of date: python -m rlgpt.config_doc > docs/config.md"
    )


def test_every_key_of_every_section_is_described_with_type_default_and_bounds() -> None:
    assert missing_descriptions() == []
    text = render()
    for heading in ("## top level", "## `[llm]`", "## `[llm.planner]`, `[llm.coder]`, `[llm.critic]`",
                    "## `[learner]`", "## `[evaluation]`", "## `[code]`"):  # fmt: skip
        assert heading in text.splitlines()
    assert "| `env` | string | required | - | Environment (see `rlgpt envs`). |" in text
    assert "| `target_success` | float | `0.8` | >= 0.0, <= 1.0 |" in text
    assert '| `isolation` | `"process"` or `"in-process"` | `"process"` | - |' in text
    assert "| `deterministic` | boolean | `true` | - | Trained policies act greedily" in text
    assert "| `max_episode_steps` | integer or unset | unset | >= 1 |" in text


class _Inner(BaseModel):
    """An inner table."""

    rate: float = Field(default=0.5, gt=0, lt=1)
    mode: Literal["a", "b"] = Field(default="a", description="A mode.")


class _Outer(BaseModel):
    """A config with an undescribed key in a nested table."""

    inner: _Inner | None = Field(default=None, description="The inner table.")
    count: int = 3


def test_an_undescribed_key_is_named_wherever_it_is_nested() -> None:
    assert missing_descriptions(_Outer) == ["_Outer.count", "_Inner.rate"]


def test_help_of_the_run_config_lists_its_sections() -> None:
    text = pydoc.render_doc(RunConfig, renderer=pydoc.plaintext)
    for section in ("[llm]", "[llm.planner]", "[learner]", "[evaluation]", "[code]", "docs/config.md"):
        assert section in text
