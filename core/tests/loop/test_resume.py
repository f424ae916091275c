"""Resuming a run killed mid-iteration does not ask the LLM again what the run already asked."""

from __future__ import annotations

import json
from pathlib import Path

from rlgpt.loop import Loop
from rlgpt.runs import EVENTS_FILE


def kill_after(run_dir, kind: str) -> None:
    """Cut the event log after the first event of ``kind``: what a kill at that point leaves."""
    lines = (run_dir / EVENTS_FILE).read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if json.loads(line)["kind"] == kind)
    (run_dir / EVENTS_FILE).write_text("".join(lines[: cut + 1]))
    (run_dir / "report.md").unlink()


def test_resume_replays_the_answers_already_received_even_without_the_cache(
    make_config, write_transcript, reference_entries
):
    transcript = write_transcript(reference_entries)
    config = make_config(transcript=transcript, method="pure-code", llm={"cache": False})
    first = Loop.from_config(config, progress_bar=False)
    first.run()
    asked = [
        e for e in first.run_dir.read_events() if e["kind"] == "llm_call" and e["tags"]["role"] != "critic"
    ]
    kill_after(first.run_dir.path, "evaluating")
    transcript.write_text("")  # the LLM now answers nothing: any request sent again fails the run
    resumed = Loop.resume(first.run_dir.path, progress_bar=False)
    summary = resumed.run()
    assert summary.iterations == 1
    calls = [e for e in resumed.run_dir.read_events() if e["kind"] == "llm_call"]
    again = calls[len(asked) :]  # the critic's event was cut from the log; its answer file remains
    assert again and all(e["replayed"] for e in again)
    report = (resumed.run_dir.path / "report.md").read_text()
    assert "**Resumed** 1 time(s)" in report and "iteration 0 restarted" in report
    assert f"{len(again)} LLM answers replayed" in report


def test_resume_loads_the_trained_checkpoint_and_reuses_accepted_programs(
    make_config, write_transcript, reference_entries
):
    config = make_config(
        transcript=write_transcript(reference_entries),
        llm={"cache": False},
        learner={"total_timesteps": 256, "hyperparameters": {"n_steps": 64, "batch_size": 64}},
        evaluation={"episodes": 3},
    )
    first = Loop.from_config(config, progress_bar=False)
    first.run()
    trained = next(e for e in first.run_dir.read_events() if e["kind"] == "trained")
    assert not Path(trained["checkpoint"]).is_absolute()  # stored relative: a moved run folder finds it
    checkpoint = first.run_dir.path / trained["checkpoint"]
    saved_at = checkpoint.stat().st_mtime_ns
    kill_after(first.run_dir.path, "evaluating")  # killed during evaluation, after training finished
    resumed = Loop.resume(first.run_dir.path, progress_bar=False)
    resumed.run()
    events = resumed.run_dir.read_events()
    assert [e["kind"] for e in events].count("trained") == 1  # not trained again
    (reused,) = events.of_kind("training_reused")
    assert reused["subtask"] == "build" and reused["checkpoint"] == trained["checkpoint"]
    assert checkpoint.stat().st_mtime_ns == saved_at
    assert any(e.get("reused") for e in events.of_kind("code_accepted"))  # no second dry run
    report = (resumed.run_dir.path / "report.md").read_text()
    assert "trained again: nothing" in report and "Reused: checkpoints of `build` (iteration 0)" in report
