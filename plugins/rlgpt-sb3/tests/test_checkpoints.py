"""Checkpoints: save writes exactly the path asked for, and learn writes periodic checkpoints that a
stopped training resumes from."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from rlgpt.testing import Corridor, FixedEpisodes
from rlgpt_sb3 import dqn, ppo

FIXED = functools.partial(FixedEpisodes, episode_length=5, macro_steps=2)


class Stop(Exception):
    """Raised by an ``on_checkpoint`` callback: the training stops there, as a killed run does."""


def test_save_writes_exactly_the_path_into_new_folders(tmp_path) -> None:
    learner = ppo(Corridor)
    target = tmp_path / "not" / "yet" / "policy"  # no suffix: none is added
    assert learner.save(target) == target and target.is_file()
    assert sorted(p.name for p in target.parent.iterdir()) == ["policy"], "no partial file left"
    ppo(Corridor).load(target)


def test_a_failed_save_keeps_the_old_checkpoint_and_leaves_no_partial_file(tmp_path, monkeypatch) -> None:
    learner = ppo(Corridor)
    target = learner.save(tmp_path / "policy.zip")
    before = target.read_bytes()

    def full_disk(handle) -> None:
        handle.write(b"half a checkpoint")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(learner.model, "save", full_disk)
    with pytest.raises(OSError, match="No space left"):
        learner.save(target)
    assert target.read_bytes() == before and sorted(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize(("factory", "options"), [(ppo, {"n_steps": 64}), (dqn, {})])
def test_periodic_checkpoints_hold_the_steps_trained_so_far(factory, options, tmp_path) -> None:
    saved: list[tuple[str, int]] = []
    learner = factory(FIXED, checkpoint_dir=tmp_path, **options)
    result = learner.learn(
        500, checkpoint_every=120, on_checkpoint=lambda path, done: saved.append((path.name, done))
    )
    assert [done for _, done in saved] == [120, 240, 360, 480], "every 120 primitive steps, not at the end"
    assert [name for name, _ in saved] == [f"{learner.algorithm.name}_{d}_steps.zip" for _, d in saved]
    assert result.checkpoint == tmp_path / f"{learner.algorithm.name}_500_steps.zip"
    restored = factory(FIXED)
    restored.load(tmp_path / saved[1][0])
    assert restored.env_steps == 240


def test_a_stopped_training_resumes_from_its_last_periodic_checkpoint(tmp_path) -> None:
    def stop_at_400(path, done):
        if done >= 400:
            raise Stop(path)

    learner = ppo(FIXED, n_steps=64, checkpoint_dir=tmp_path)
    with pytest.raises(Stop) as stopped:
        learner.learn(1000, checkpoint_every=200, on_checkpoint=stop_at_400)
    learner.close()
    resumed = ppo(FIXED, n_steps=64, checkpoint_dir=tmp_path)
    resumed.load(stopped.value.args[0])
    assert resumed.env_steps == 400
    result = resumed.learn(600)
    assert result.timesteps == 600 and resumed.env_steps == 1000
    assert result.episodes[0].timestep > 400, "episode timesteps continue from the checkpoint"
    assert result.checkpoint == tmp_path / "ppo_1000_steps.zip"


@pytest.mark.parametrize(
    ("every", "checkpoint_dir", "message"),
    [
        (0, "ckpt", "checkpoint_every must be a positive integer, got 0"),
        (True, "ckpt", "checkpoint_every must be a positive integer, got True"),
        (100, None, "checkpoint_every needs a checkpoint_dir"),
    ],
)
def test_bad_periodic_checkpoint_settings_are_one_line_errors(
    every, checkpoint_dir, message, tmp_path
) -> None:
    folder = None if checkpoint_dir is None else tmp_path / checkpoint_dir
    with pytest.raises(ValueError, match=message) as caught:
        ppo(Corridor, checkpoint_dir=folder).learn(100, checkpoint_every=every)
    assert "\n" not in str(caught.value)


def test_no_periodic_checkpoints_without_checkpoint_every(tmp_path) -> None:
    result = ppo(FIXED, n_steps=64, checkpoint_dir=tmp_path).learn(300)
    assert sorted(tmp_path.iterdir()) == [result.checkpoint]


def test_periodic_checkpoints_change_no_result(tmp_path) -> None:
    plain = ppo(Corridor, seed=5, n_steps=64)
    plain.learn(300)
    checkpointed = ppo(Corridor, seed=5, n_steps=64, checkpoint_dir=tmp_path)
    checkpointed.learn(300, checkpoint_every=50)
    for a, b in zip(plain.model.policy.parameters(), checkpointed.model.policy.parameters(), strict=True):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
