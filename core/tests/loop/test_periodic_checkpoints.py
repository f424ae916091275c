"""learner.checkpoint_every: a run stopped mid-training resumes from its last periodic checkpoint with
the rest of the budget, instead of training the sub-task from step 0."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from rlgpt.config import ConfigError, RunConfig, validate_against_registry
from rlgpt.loop import Loop
from rlgpt.plugins import PluginSelection

sys.path.insert(0, str(Path(__file__).parent))  # loop_fakes


def test_training_stopped_mid_way_continues_from_its_last_periodic_checkpoint(
    make_config, write_transcript, reference_entries, monkeypatch
) -> None:
    config = make_config(
        transcript=write_transcript(reference_entries),
        llm={"cache": False},
        learner={"total_timesteps": 1024, "checkpoint_every": 256, "hyperparameters": {"n_steps": 64}},
        evaluation={"episodes": 2},
    )
    emit = Loop._emit

    def stop_after_the_second_checkpoint(self: Loop, kind: str, **data: object) -> None:
        emit(self, kind, **data)
        if kind == "training_checkpoint" and len(self.run_dir.read_events().of_kind(kind)) == 2:
            raise KeyboardInterrupt  # as Ctrl-C there would

    monkeypatch.setattr(Loop, "_emit", stop_after_the_second_checkpoint)
    first = Loop.from_config(config, progress_bar=False)
    with pytest.raises(KeyboardInterrupt):
        first.run()
    monkeypatch.undo()
    saved = first.run_dir.read_events().of_kind("training_checkpoint")
    assert [e["subtask"] for e in saved] == ["build", "build"] and not Path(
        saved[-1]["checkpoint"]
    ).is_absolute()
    stopped_at = saved[-1]["timesteps"]
    assert 512 <= stopped_at < 1024

    resumed = Loop.resume(first.run_dir.path, progress_bar=False)
    resumed.run()
    events = resumed.run_dir.read_events()
    (continued,) = events.of_kind("training_resumed")
    assert continued["checkpoint"] == saved[-1]["checkpoint"] and continued["timesteps"] == stopped_at
    (trained,) = events.of_kind("trained")
    assert trained["timesteps"] >= 1024, "the budget is the earlier steps plus the rest"
    assert trained["checkpoint"].endswith(f"ppo_{trained['timesteps']}_steps.zip"), "its step count goes on"
    curve = json.loads((resumed.run_dir.path / "curves/iter-0-build.json").read_text())
    assert curve["timesteps"] == trained["timesteps"] - stopped_at, "only the rest was trained"
    assert curve["episodes"][0]["timestep"] > stopped_at
    later = [e["timesteps"] for e in events.of_kind("training_checkpoint")][2:]
    assert later and all(steps > stopped_at for steps in later)
    report = (resumed.run_dir.path / "report.md").read_text()
    assert f"periodic checkpoint: `build` (iteration 0) from step {stopped_at}" in report
    assert "trained again: nothing" in report


def test_checkpoint_every_needs_a_learner_that_writes_periodic_checkpoints(tmp_path) -> None:
    registry = PluginSelection(autoload=False).with_plugins("loop_fakes").registry()
    base = {"env": "line", "task": "reach_end", "runs_dir": str(tmp_path), "learner": {"name": "fixed"}}
    validate_against_registry(RunConfig.model_validate(base), registry)
    config = RunConfig.model_validate({**base, "learner": {"name": "fixed", "checkpoint_every": 100}})
    with pytest.raises(ConfigError, match="learner 'fixed' writes no periodic checkpoints - remove learner"):
        validate_against_registry(config, registry)
