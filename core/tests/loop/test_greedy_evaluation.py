"""Training success beside evaluation's, and evaluation.deterministic: a policy that solves its
training episodes while sampling but loops when greedy is visible, and one key evaluates it sampling."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from rlgpt.config import RunConfig
from rlgpt.loop import Loop, _feedback
from rlgpt.metrics import IterationRecord
from rlgpt.plugins import PluginSelection
from rlgpt.runs import EVENTS_FILE

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # the plugin modules, also for the env built in child processes


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch):
    """The core's built-ins, the line of ``loop_fakes`` and the learner of ``explore_fakes``."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])))
    return PluginSelection(autoload=False).with_plugins("loop_fakes", "explore_fakes").registry()


def run(registry, tmp_path: Path, **evaluation) -> Loop:
    """Pure RL on the line with the exploring learner, one iteration of five evaluation episodes."""
    data = {
        "env": "line",
        "task": "reach_end",
        "method": "pure-rl",
        "runs_dir": str(tmp_path / "runs"),
        "max_iterations": 1,
        "learner": {"name": "exploring", "total_timesteps": 400},
        "evaluation": {"episodes": 5, **evaluation},
    }
    loop = Loop.from_config(RunConfig.model_validate(data), registry, progress_bar=False)
    loop.run()
    return loop


def only_record(loop: Loop) -> IterationRecord:
    (event,) = loop.run_dir.read_events().of_kind("iteration_end")
    return IterationRecord.from_dict(event["record"])


def test_greedy_evaluation_that_loops_shows_the_training_success_it_hides(registry, tmp_path: Path) -> None:
    loop = run(registry, tmp_path)
    record = only_record(loop)
    assert (record.successes, record.episodes) == (0, 5), "greedy: it never leaves the first cell"
    assert record.train_episodes["task"] >= 15 and record.train_success_rate >= 0.8
    assert record.to_dict()["train_success_rate"] == record.train_success_rate
    assert (
        "of its last" in record.summary and "evaluation used greedy (most likely) actions" in record.summary
    )
    assert _feedback(record).train_success["task"] == record.train_success_rate
    report = (loop.run_dir.path / "report.md").read_text()
    assert "| training success |" in report and f"| {record.train_success_rate:.2f} |" in report
    assert "Trained well, evaluated badly" in report and "--set evaluation.deterministic=false" in report
    (evaluating,) = loop.run_dir.read_events().of_kind("evaluating")
    assert evaluating["deterministic"] is True


def test_evaluation_deterministic_false_samples_the_policys_actions(registry, tmp_path: Path) -> None:
    loop = run(registry, tmp_path, deterministic=False)
    record = only_record(loop)
    assert record.successes >= 4, record.summary
    assert "evaluation used sampled actions" in record.summary
    report = (loop.run_dir.path / "report.md").read_text()
    assert "Trained well, evaluated badly" not in report


def test_a_resumed_run_reuses_the_checkpoint_its_training_success_and_samples_from_it(
    registry, tmp_path: Path
) -> None:
    first = only_record(loop := run(registry, tmp_path, deterministic=False))
    events = loop.run_dir.path / EVENTS_FILE
    lines = events.read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if json.loads(line)["kind"] == "evaluating")
    events.write_text("".join(lines[:cut]))  # killed after training, before evaluating
    Loop.resume(loop.run_dir.path, registry, progress_bar=False).run()
    resumed = only_record(loop)
    assert len(loop.run_dir.read_events().of_kind("training_reused")) == 1
    assert (resumed.train_episodes, resumed.train_successes) == (first.train_episodes, first.train_successes)
    assert resumed.successes >= 4, "the loaded policy samples too"


def test_training_window_keeps_the_last_episodes_that_report_success() -> None:
    record = IterationRecord(iteration=0)
    record.count_training("a", [False] * 150 + [True, None] * 30)
    assert (record.train_episodes["a"], record.train_successes["a"]) == (100, 30)
    record.count_training("b", [None, None])
    assert "b" not in record.train_episodes and record.train_success_rate == 0.3
    assert IterationRecord(iteration=1).train_success_rate is None
