"""Helpers for running the whole loop on gridcraft with the replay backend."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from rlgpt import PluginSelection
from rlgpt.config import RunConfig

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # shared test data: gridcraft_plans, reach_plan
TRANSCRIPT = HERE / "gridcraft_build_house.jsonl"


@pytest.fixture
def reference_entries() -> list[dict]:
    """The reference transcript's entries."""
    return [json.loads(line) for line in TRANSCRIPT.read_text().splitlines() if line.startswith("{")]


@pytest.fixture
def write_transcript(tmp_path):
    """Write transcript entries to a file in ``tmp_path`` and return its path."""

    def write(entries: list[dict]) -> Path:
        path = tmp_path / "transcript.jsonl"
        path.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
        return path

    return write


@pytest.fixture
def make_config(tmp_path):
    """Build a small gridcraft run config; keyword overrides are dotted-free nested dicts.

    These runs use the gridcraft environment (rlgpt-testenv) and PPO (rlgpt-sb3); without those
    plugins installed they are skipped, and test_loop_plugins.py still tests the loop on its own fakes.
    """
    registry = PluginSelection().registry()
    if "gridcraft" not in registry.environments or "ppo" not in registry.learners:
        pytest.skip("needs the rlgpt-testenv and rlgpt-sb3 plugins installed")

    def build(transcript: Path = TRANSCRIPT, **overrides) -> RunConfig:
        data = {
            "env": "gridcraft",
            "task": "build_house",
            "runs_dir": str(tmp_path / "runs"),
            "max_iterations": 1,
            "llm": {"backend": "replay", "model": "reference", "options": {"transcript": str(transcript)}},
            "learner": {"name": "ppo", "total_timesteps": 2048, "hyperparameters": {"n_steps": 256}},
            "evaluation": {"episodes": 10},
            "code": {"dry_run_timeout_s": 10, "call_timeout_s": 1.0},
        }
        for key, value in overrides.items():
            if isinstance(value, dict):
                data[key] = {**data.get(key, {}), **value}
            else:
                data[key] = value
        return RunConfig.model_validate(data)

    return build
