"""Run directories: naming, atomic files, the append-only event log and its crash repair."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from rlgpt.runs import LOG_REPAIRED, RunDirectory, RunDirectoryError


@pytest.fixture
def run(tmp_path: Path) -> RunDirectory:
    return RunDirectory.create(tmp_path / "runs", "gridcraft", "make plank", {"env": "gridcraft", "seed": 0})


def test_create_names_the_folder_and_stores_the_config(run: RunDirectory, tmp_path: Path) -> None:
    assert run.path.parent == tmp_path / "runs"
    assert re.fullmatch(r"\d{8}-\d{6}-gridcraft-make_plank", run.path.name)
    assert run.config == {"env": "gridcraft", "seed": 0}
    assert RunDirectory.open(run.path).config == run.config


def test_create_never_reuses_a_folder(tmp_path: Path) -> None:
    first = RunDirectory.create(tmp_path, "e", "t", {"n": 1}, name="trial")
    second = RunDirectory.create(tmp_path, "e", "t", {"n": 2}, name="trial")
    assert (first.path.name, second.path.name) == ("trial", "trial-2")
    assert first.config == {"n": 1} and second.config == {"n": 2}


def test_open_refuses_what_is_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(RunDirectoryError, match="no such run directory"):
        RunDirectory.open(tmp_path / "missing")
    with pytest.raises(RunDirectoryError, match=r"not a run directory \(no config\.json\)"):
        RunDirectory.open(tmp_path)


def test_events_are_numbered_and_read_back(run: RunDirectory) -> None:
    first = run.append_event("iteration_start", iteration=0)
    second = run.append_event("metric", value=np.float32(0.5), path=Path("a/b"), tags=("x",))
    assert (first["seq"], second["seq"]) == (0, 1)
    log = run.read_events()
    assert [e["kind"] for e in log] == ["iteration_start", "metric"]
    assert log.events[1]["value"] == 0.5 and log.events[1]["path"] == "a/b" and log.events[1]["tags"] == ["x"]
    assert log.truncated_tail is None and log.warning is None
    assert log.last("metric") == log.events[1] and log.of_kind("none") == []
    assert RunDirectory.open(run.path).append_event("resumed")["seq"] == 2


def test_events_may_not_set_seq_or_time(run: RunDirectory) -> None:
    with pytest.raises(ValueError, match="seq, time are set by the log"):
        run.append_event("x", time=3, seq=1)


def test_files_are_written_inside_the_run(run: RunDirectory) -> None:
    run.write_json("metrics/summary.json", {"success": 0.5})
    run.write_text("code/v1.py", "def f():\n    pass\n")
    run.write_bytes("frames/0.png", b"\x89PNG")
    assert json.loads((run.path / "metrics/summary.json").read_text()) == {"success": 0.5}
    assert (run.path / "code/v1.py").read_text().startswith("def f")
    assert (run.path / "frames/0.png").read_bytes() == b"\x89PNG"
    assert run.subdir("checkpoints").is_dir()
    assert not [p for p in run.path.rglob("*.tmp")], "temporary files were left behind"
    with pytest.raises(ValueError, match="must be a file path inside the run directory"):
        run.write_text("../escape.txt", "x")


def test_overwrite_replaces_the_whole_file(run: RunDirectory) -> None:
    run.write_text("notes.txt", "a long first version\n")
    run.write_text("notes.txt", "short\n")
    assert (run.path / "notes.txt").read_text() == "short\n"


def test_truncated_last_line_is_reported_then_repaired(run: RunDirectory) -> None:
    for i in range(3):
        run.append_event("tick", i=i)
    with open(run.events_path, "ab") as handle:
        handle.write(b'{"seq": 3, "kind": "ti')
    log = run.read_events()
    assert len(log) == 3 and log.truncated_tail == '{"seq": 3, "kind": "ti'
    assert "incomplete last line" in (log.warning or "")

    resumed = RunDirectory.open(run.path)
    event = resumed.append_event("after")
    log = resumed.read_events()
    assert log.truncated_tail is None
    assert [e["seq"] for e in log] == [0, 1, 2, 3, 4]
    assert log.events[3]["kind"] == LOG_REPAIRED and log.events[3]["moved_to"] == "events.jsonl.corrupt"
    assert event["seq"] == 4
    assert (run.path / "events.jsonl.corrupt").read_text() == '{"seq": 3, "kind": "ti\n'


def test_corruption_in_the_middle_is_an_error(run: RunDirectory) -> None:
    run.append_event("a")
    with open(run.events_path, "ab") as handle:
        handle.write(b"garbage\n")
    run.append_event("b")
    with pytest.raises(RunDirectoryError, match=r"events\.jsonl:2: corrupt event .*'garbage'"):
        run.read_events()


CHILD = """
import sys
from rlgpt.runs import RunDirectory

run = RunDirectory.open(sys.argv[1])
i = 0
while True:
    run.append_event("tick", i=i, payload="x" * 20000)
    i += 1
"""


def test_log_survives_sigkill_mid_append(run: RunDirectory) -> None:
    run.release()  # the child is the writer
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(run.path)])
    try:
        deadline = time.monotonic() + 60
        while not (run.events_path.exists() and run.events_path.stat().st_size > 400_000):
            assert time.monotonic() < deadline, "the child wrote too little"
            assert child.poll() is None, "the child died on its own"
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    log = run.read_events()
    assert len(log) >= 20
    assert [e["seq"] for e in log] == list(range(len(log)))
    assert [e["i"] for e in log] == list(range(len(log)))
    after = RunDirectory.open(run.path).append_event("after_crash")
    final = run.read_events()
    assert final.truncated_tail is None
    assert [e["seq"] for e in final] == list(range(len(final)))
    assert final.events[-1] == after
