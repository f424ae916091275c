"""A run that fails before doing any work leaves no folder behind, not even the ``runs`` folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from rlgpt.cli import main
from rlgpt.runs import RunDirectory

MISSING_TRANSCRIPT = """
env = "gridcraft"
task = "collect_wood"
[llm]
backend = "replay"
options = { transcript = "examples/transcripts/gridcraft.jsonl" }
"""


def test_a_run_started_elsewhere_with_a_missing_transcript_leaves_no_runs_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # not the repository root: the relative transcript path is missing
    (tmp_path / "run.toml").write_text(MISSING_TRANSCRIPT)
    assert main(["run", "run.toml"]) == 2
    assert "transcript" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.toml"]


def test_discarding_keeps_a_runs_folder_that_holds_other_runs(tmp_path: Path) -> None:
    runs = tmp_path / "deep" / "runs"
    kept = RunDirectory.create(runs, "env", "task", {}, name="kept")
    kept.release()
    discarded = RunDirectory.create(runs, "env", "task", {}, name="discarded")
    assert discarded.discard_if_unused()
    assert [p.name for p in runs.iterdir()] == ["kept"]

    alone = RunDirectory.create(tmp_path / "new" / "runs", "env", "task", {})
    assert alone.discard_if_unused()
    assert not (tmp_path / "new").exists()  # create() made both folders, discarding removed both
