"""Stopping a command cleanly: Ctrl-C and SIGTERM, full disks, and the child processes left running.

Within :func:`interruptible`, the first SIGINT or SIGTERM raises :class:`Interrupted` in the
main thread (a :class:`KeyboardInterrupt`, so clean-up written for Ctrl-C runs for SIGTERM
too); later signals are ignored until the block ends, so that clean-up runs to its end. A
storage failure (disk full, file too large, quota, read-only file system, permission denied)
is an :class:`OSError` that :func:`is_storage_error` recognises, and :func:`storage_problem`
puts in one line. :func:`stop_children` ends every process this one started that still runs
(the code's host processes, dry runs, vectorised environments, trial processes): a stopped
command leaves nothing behind.
"""

from __future__ import annotations

import errno
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})
"""``errno`` values of an :class:`OSError` that mean the run's files cannot be written."""
CHILD_GRACE_S = 3.0
"""How long :func:`stop_children` lets children end on SIGTERM before it kills them."""
_PROC = Path("/proc")


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived. :attr:`exit_status` is the shell's ``128 + signal number``."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"interrupted by {signal.Signals(signum).name}")

    @property
    def exit_status(self) -> int:
        """130 for SIGINT, 143 for SIGTERM."""
        return 128 + self.signum


@contextmanager
def interruptible() -> Iterator[None]:
    """Raise :class:`Interrupted` on the first SIGINT or SIGTERM inside the block; ignore later ones.

    A signal the process was started ignoring (``nohup``, a background job) stays ignored. Off
    the main thread, where Python cannot handle signals, the block changes nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal raised
        if not raised:
            raised = True
            raise Interrupted(signum)

    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    for number, old in previous.items():
        if old is not signal.SIG_IGN:
            signal.signal(number, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def is_storage_error(exc: BaseException) -> bool:
    """Whether ``exc`` says a file could not be written: no space, too large, no permission."""
    return isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS


def storage_problem(exc: OSError) -> str:
    """``exc`` in one line, with what to fix: e.g. ``cannot write /runs/x/a.zip: No space left on device``."""
    where = f" {exc.filename}" if exc.filename else ""
    reason = exc.strerror or str(exc)
    denied = exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
    fix = "fix the permissions" if denied else "free some space"
    return f"cannot write{where}: {reason}; {fix}"


def stop_children(grace_s: float = CHILD_GRACE_S) -> None:
    """End every descendant of this process: SIGTERM, then SIGKILL after ``grace_s``; reap our children.

    Descendants are found through ``/proc`` (Linux); elsewhere this does nothing.
    """
    deadline = time.monotonic() + grace_s
    sent: set[int] = set()
    while time.monotonic() < deadline + grace_s:  # a process stuck in the kernel may outlive SIGKILL
        alive = [pid for pid in _descendants(os.getpid()) if is_running(pid)]
        if not alive:
            break
        late = time.monotonic() >= deadline
        for pid in alive:
            if late or pid not in sent:
                with suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL if late else signal.SIGTERM)
                sent.add(pid)
        _reap()
        time.sleep(0.05)
    _reap()


def _descendants(root: int) -> list[int]:
    """Pids of every process below ``root`` (children, their children, ...), from ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in _PROC.iterdir() if _PROC.is_dir() else ():
        if entry.name.isdigit():
            parent = _parent(entry)
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    todo = [root]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


def _stat_fields(entry: Path) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state first), or ``None`` if gone."""
    try:
        text = (entry / "stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return text.rsplit(")", 1)[-1].split()


def _parent(entry: Path) -> int | None:
    fields = _stat_fields(entry)
    return int(fields[1]) if fields and len(fields) > 1 else None


def is_running(pid: int) -> bool:
    """Whether process ``pid`` still runs (one that ended and only waits to be reaped does not), from
    ``/proc`` (Linux)."""
    fields = _stat_fields(_PROC / str(pid))
    return fields is not None and fields[0] not in ("Z", "X")


def _reap() -> None:
    """Collect the exit status of our ended children, so none is left a zombie."""
    with suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
