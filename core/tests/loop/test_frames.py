"""Evaluation frames: a failed sub-task's end state is rendered, written, shown to the critic and in the
report; without them the critic reads the same words."""

from __future__ import annotations

import json

import numpy as np
from matplotlib import image
from rlgpt.loop import Loop

NO_HOUSE = (
    "```python\ndef build(api):\n    api.craft_plank()\n\n\n"
    "def done(api):\n    return api.inventory()['house'] >= 1\n```"
)
"""A pure-code ``build`` that crafts one plank and never builds: the sub-task fails every episode."""


def failing_run(make_config, reference_entries, write_transcript, frames: bool = True) -> Loop:
    build = {"role": "coder", "subtask": "build", "method": "pure-code"}
    entries = [{**e, "response": NO_HOUSE} if e["match"] == build else e for e in reference_entries]
    config = make_config(
        transcript=write_transcript(entries),
        method="pure-code",
        evaluation={"episodes": 3, "frames": frames},
        name=f"frames-{frames}",
    )
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    return loop


def critic_message(loop: Loop) -> dict:
    (call,) = [
        e for e in loop.run_dir.read_events() if e["kind"] == "llm_call" and e["tags"]["role"] == "critic"
    ]
    return json.loads((loop.run_dir.path / call["file"]).read_text())["messages"][-1]


def test_a_failed_subtask_s_frame_reaches_the_run_directory_the_critic_and_the_report(
    make_config, reference_entries, write_transcript
):
    loop = failing_run(make_config, reference_entries, write_transcript)
    (event,) = [e for e in loop.run_dir.read_events() if e["kind"] == "frames"]
    assert event["iteration"] == 0 and event["files"] == {"build": "frames/iter-0-build.png"}
    frame = image.imread(loop.run_dir.path / "frames/iter-0-build.png")
    assert frame.shape[:2] == (28, 28)
    agent = np.all(np.isclose(frame[..., :3], np.array([220, 40, 40]) / 255, atol=0.01), axis=-1)
    assert agent.sum() == 16  # the agent's 4x4 cell, once
    message = critic_message(loop)
    assert message["images"] == 1  # the replay backend takes images
    assert "Attached are 1 frame(s), one per failed sub-task, in this order: build." in message["content"]
    report = (loop.run_dir.path / "report.md").read_text()
    assert "![build: the state where it first failed](frames/iter-0-build.png)" in report


def test_frames_can_be_turned_off(make_config, reference_entries, write_transcript):
    loop = failing_run(make_config, reference_entries, write_transcript)
    off = failing_run(make_config, reference_entries, write_transcript, frames=False)
    assert not (off.run_dir.path / "frames").exists()
    assert "frames" not in {e["kind"] for e in off.run_dir.read_events()}
    assert critic_message(off)["images"] == 0 and "Attached" not in critic_message(off)["content"]
    assert critic_message(off)["content"] in critic_message(loop)["content"]  # the same words, less the note
