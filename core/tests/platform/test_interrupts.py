"""Signals become one exception, storage failures are recognised, and no child process outlives a stop."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from rlgpt.interrupts import Interrupted, interruptible, is_running, is_storage_error, storage_problem

GRANDPARENT = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
print("started", flush=True)
time.sleep(600)
"""
STOPPER = f"""
import json, subprocess, sys
from pathlib import Path
from rlgpt.interrupts import stop_children
child = subprocess.Popen([sys.executable, "-c", {GRANDPARENT!r}], stdout=subprocess.PIPE, text=True)
assert child.stdout.readline().strip() == "started"
grandchildren = [
    int(path.parent.name)
    for path in Path("/proc").glob("[0-9]*/stat")
    if path.read_text().rsplit(")", 1)[1].split()[1] == str(child.pid)
]
stop_children(grace_s=1.0)
print(json.dumps({{"child_reaped": child.poll() is not None, "pids": [child.pid, *grandchildren]}}))
"""


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_the_first_signal_raises_interrupted_and_later_ones_wait_for_the_clean_up(signum: int, status: int):
    before = signal.getsignal(signum)
    cleaned = False
    with pytest.raises(Interrupted) as raised, interruptible():
        try:
            os.kill(os.getpid(), signum)
            time.sleep(5)  # the handler raises before this ends
        finally:
            os.kill(os.getpid(), signum)  # a second signal during clean-up is ignored
            cleaned = True
    assert cleaned and raised.value.exit_status == status and raised.value.signum == signum
    assert signal.getsignal(signum) is before


def test_a_signal_the_process_ignores_stays_ignored():
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with interruptible():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.1)
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_storage_errors_are_recognised_and_said_in_one_line():
    full = OSError(errno.ENOSPC, "No space left on device", "/runs/x/policy.zip")
    denied = PermissionError(errno.EACCES, "Permission denied", "/runs/x")
    assert is_storage_error(full) and is_storage_error(denied)
    assert is_storage_error(OSError(errno.EFBIG, "File too large"))
    assert not is_storage_error(FileNotFoundError(errno.ENOENT, "No such file or directory", "x"))
    assert not is_storage_error(ValueError("not an OSError"))
    assert storage_problem(full) == (
        "cannot write /runs/x/policy.zip: No space left on device; free some space"
    )
    assert storage_problem(denied) == "cannot write /runs/x: Permission denied; fix the permissions"


def test_stop_children_ends_children_and_their_children_in_other_sessions():
    # in a process of its own: in this one it would end every process the test session started
    done = subprocess.run(
        [sys.executable, "-c", STOPPER], capture_output=True, text=True, timeout=60, check=True
    )
    report = json.loads(done.stdout)
    assert report["child_reaped"] and len(report["pids"]) == 2  # the child, and its child in another session
    deadline = time.monotonic() + 5
    while any(map(is_running, report["pids"])) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(is_running, report["pids"]))
