"""Experiment tracking: a tiny gridcraft run with TensorBoard or W&B (offline) on, read back."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rlgpt import PluginSelection
from rlgpt.config import ConfigError, parse_config, validate_against_registry
from rlgpt.loop import Loop
from rlgpt.testing import refuse_non_loopback
from rlgpt.tracking import LOOP_DIR, TENSORBOARD_DIR, wandb_mode
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

TINY = {"total_timesteps": 2048, "hyperparameters": {"n_steps": 256}}  # SB3 logs from the 2nd rollout on
LOOP_TAGS = {
    "iteration/success_rate",
    "iteration/tokens",
    "iteration/dead_loop",
    "iteration/code_rejections",
    "iteration/training_success",
}


def scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar of the event files in ``folder``: tag -> [(step, value)]."""
    events = EventAccumulator(str(folder))
    events.Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def test_tensorboard_and_wandb_offline_hold_the_loops_and_the_learners_numbers(
    make_config, monkeypatch, tmp_path
):
    refuse_non_loopback(monkeypatch)
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    for variable in ("WANDB_CONFIG_DIR", "WANDB_CACHE_DIR", "WANDB_DATA_DIR"):
        monkeypatch.setenv(variable, str(tmp_path / "wandb-home"))
    logging = {"tensorboard": True, "wandb": True}
    config = make_config(learner=TINY, logging=logging, evaluation={"episodes": 2})
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    record = loop.run_dir.read_events().last("iteration_end")["record"]
    root = loop.run_dir.path / TENSORBOARD_DIR

    numbers = scalars(root / LOOP_DIR)
    assert set(numbers) >= LOOP_TAGS
    assert numbers["iteration/success_rate"] == [(0, pytest.approx(record["success_rate"]))]
    assert numbers["iteration/tokens"] == [(0, record["tokens"])]
    assert any(tag.startswith("subtask_training_success/") for tag in numbers)
    (learner_run,) = (root / "iter-0" / "build").iterdir()  # SB3's own folder, e.g. MaskablePPO_0
    training = scalars(learner_run)
    assert "train/value_loss" in training and "time/fps" in training

    (history,) = (loop.run_dir.path / "wandb").glob("offline-run-*/run-*.wandb")
    data = history.read_bytes()
    assert b"loop/iteration/success_rate" in data and b"loop/iteration/tokens" in data
    assert b"train/value_loss" in data  # SB3's scalars, synced from its event files
    import wandb

    assert wandb.run is None and not wandb.patched["tensorboard"]  # finished, writers unpatched


@pytest.mark.parametrize(("key", "package"), [("tensorboard", "tensorboard"), ("wandb", "wandb")])
def test_a_missing_package_is_one_line_naming_the_extra(monkeypatch, key, package):
    monkeypatch.setitem(sys.modules, package, None)  # import (and find_spec) now fail as if missing
    config = parse_config({"env": "gridcraft", "task": "build_house"}, [f"logging.{key}=true"])
    with pytest.raises(ConfigError) as error:
        validate_against_registry(config, PluginSelection().registry())
    message = str(error.value)
    assert "\n" not in message and f"rlgpt[{key}]" in message and f"logging.{key}" in message


def test_wandb_logs_offline_without_an_api_key(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc
    assert wandb_mode({}) == "offline"
    assert wandb_mode({"WANDB_API_KEY": "k"}) == "online"
    assert wandb_mode({"WANDB_MODE": "disabled", "WANDB_API_KEY": "k"}) == "disabled"
    (tmp_path / ".netrc").write_text("machine api.wandb.ai\n  login user\n  password k\n")
    (tmp_path / ".netrc").chmod(0o600)
    assert wandb_mode({}) == "online"  # `wandb login` wrote the key
