"""One writer per run directory; a log that two writers corrupted is flagged, never silently reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from rlgpt.cli import main
from rlgpt.runs import LOCK_FILE, RunDirectory, RunDirectoryError

CONFIG = {"env": "gridcraft", "task": "build_house", "method": "rl-gpt", "llm": {"backend": "replay"}}

HOLD = """
import sys, time
from rlgpt.runs import RunDirectory
run = RunDirectory.open(sys.argv[1])
run.append_event("run_start")
print("held", flush=True)
time.sleep(60)
"""


def test_a_second_writer_is_refused_with_the_holders_pid(tmp_path):
    run = RunDirectory.create(tmp_path, "gridcraft", "build_house", CONFIG)
    run.release()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(run.path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        second = RunDirectory.open(run.path)
        with pytest.raises(RunDirectoryError) as caught:
            second.append_event("run_start")
        message = str(caught.value)
        assert f"pid {holder.pid}" in message and "\n" not in message
        assert len(run.read_events()) == 1
    finally:
        holder.kill()
        holder.wait()
    # the holder died: its lock went with it, and the directory is taken over
    second.append_event("run_resumed")
    assert (run.path / LOCK_FILE).read_text().strip() == str(os.getpid())
    assert [e["seq"] for e in run.read_events()] == [0, 1]


def test_a_stale_lock_file_of_a_dead_pid_is_taken_over(tmp_path):
    run = RunDirectory.create(tmp_path, "gridcraft", "build_house", CONFIG)
    run.release()
    (run.path / LOCK_FILE).write_text("999999\n")
    RunDirectory.open(run.path).append_event("run_start")
    assert (run.path / LOCK_FILE).read_text().strip() == str(os.getpid())


def test_a_resume_of_a_run_in_use_is_one_line_on_the_command_line(tmp_path, capsys):
    run = RunDirectory.create(tmp_path, "gridcraft", "build_house", CONFIG)
    run.release()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(run.path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["run", "--resume", str(run.path)]) == 2
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and f"pid {holder.pid}" in err and "\n" not in err
    assert len(run.read_events()) == 1


def test_report_flags_duplicate_sequence_numbers(tmp_path, capsys):
    run = RunDirectory.create(tmp_path, "gridcraft", "build_house", CONFIG)
    run.release()
    lines = [{"seq": s, "time": 0, "kind": "run_start"} for s in (0, 1, 1, 2, 2)]
    run.events_path.write_text("".join(json.dumps(e) + "\n" for e in lines))
    assert run.read_events().duplicate_seqs == [1, 2]
    assert main(["report", str(run.path)]) == 0
    captured = capsys.readouterr()
    assert "duplicated sequence numbers" in captured.err
    assert "corrupt event log" in (run.path / "report.md").read_text()


def test_a_malformed_config_json_is_one_line(tmp_path):
    run = RunDirectory.create(tmp_path, "gridcraft", "build_house", CONFIG)
    (run.path / "config.json").write_text('{"env": "gridcraft", ')
    with pytest.raises(RunDirectoryError, match="not valid JSON") as caught:
        assert run.config
    assert "\n" not in str(caught.value)
