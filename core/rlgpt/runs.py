"""Run directories: the resolved config, an append-only event log and artifacts.

Layout: ``runs/<YYYYmmdd-HHMMSS>-<env>-<task>/`` holding ``config.json``,
``events.jsonl`` (one JSON object per line, fsynced per event) and whatever the
loop writes (code versions, checkpoints, plots, ``report.md``). Files are written
atomically (temporary file in the same folder, fsync, rename), so a crash leaves
either the old or the new version. A crash while appending can leave a partial last
line in ``events.jsonl``; the reader reports it and the next append repairs it.

A run directory has one writer at a time: the first event appended (and
:meth:`RunDirectory.create`) takes an exclusive ``flock`` on ``run.lock``, which
records the writer's pid; a second writer is refused with a one-line
:class:`RunDirectoryError` naming it. The kernel drops the lock when its process
dies, so a crashed run's directory is taken over without any clean-up.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rlgpt.textbound import bound_values, safe_text

CONFIG_FILE = "config.json"
EVENTS_FILE = "events.jsonl"
LOCK_FILE = "run.lock"
USEFUL_EVENTS = frozenset({"llm_call", "iteration_end", "code_accepted", "trained", "evaluated"})
"""Event kinds that mean a run did work worth keeping (see :meth:`RunDirectory.discard_if_unused`)."""
CORRUPT_SUFFIX = ".corrupt"
LOG_REPAIRED = "log_repaired"
"""Event kind appended after a partial last line was moved out of the log."""


_HELD: dict[Path, tuple[Any, int]] = {}
"""Run directories this process writes: path -> (locked file, number of RunDirectory objects using it)."""
_HELD_LOCK = threading.Lock()


class RunDirectoryError(Exception):
    """A run directory is missing, malformed or its event log is corrupt."""


@dataclass
class EventLog:
    """The parsed ``events.jsonl``.

    :param events: the complete events, in order.
    :param truncated_tail: the partial last line left by a crash mid-append, if any.
    """

    events: list[dict[str, Any]] = field(default_factory=list)
    truncated_tail: str | None = None
    path: Path | None = None

    @property
    def warning(self) -> str | None:
        """A one-line warning when the last line was incomplete (``None`` otherwise)."""
        if self.truncated_tail is None:
            return None
        return (
            f"{self.path}: ignored an incomplete last line ({len(self.truncated_tail)} characters); "
            "the run was probably killed while writing it"
        )

    @property
    def duplicate_seqs(self) -> list[int]:
        """Sequence numbers that occur more than once (two writers at once corrupted the log)."""
        seen: set[Any] = set()
        duplicates: list[int] = []
        for event in self.events:
            seq = event.get("seq")
            if seq in seen and seq not in duplicates:
                duplicates.append(seq)
            seen.add(seq)
        return duplicates

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        """Events whose ``kind`` is ``kind``, in order."""
        return [event for event in self.events if event.get("kind") == kind]

    def last(self, kind: str) -> dict[str, Any] | None:
        """The latest event of ``kind``, or ``None``."""
        matching = self.of_kind(kind)
        return matching[-1] if matching else None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)


def parse_events(path: Path) -> tuple[EventLog, int]:
    """Parse an event log; also return the byte offset where the good part ends.

    :raises RunDirectoryError: a line other than the last is not a JSON object.
    """
    log = EventLog(path=path)
    if not path.exists():
        return log, 0
    data = path.read_bytes()
    good_end = 0
    lines = data.split(b"\n")
    # After a final newline, split() yields one empty trailing element: not a line.
    complete, tail = lines[:-1], lines[-1]
    for lineno, raw in enumerate(complete, start=1):
        event = _parse_line(raw)
        if event is None:
            if lineno == len(complete) and not tail:
                log.truncated_tail = raw.decode("utf-8", "replace")
                return log, good_end
            excerpt = raw[:80].decode("utf-8", "replace")
            raise RunDirectoryError(
                f"{path}:{lineno}: corrupt event (not a JSON object): {excerpt!r}; "
                "events after it cannot be trusted - restore the file or start a new run"
            )
        log.events.append(event)
        good_end += len(raw) + 1
    if tail:
        log.truncated_tail = tail.decode("utf-8", "replace")
    return log, good_end


def _parse_line(raw: bytes) -> dict[str, Any] | None:
    try:
        event = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return event if isinstance(event, dict) else None


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Path):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist") and callable(obj.tolist):  # numpy arrays
        return obj.tolist()
    raise TypeError(f"cannot store {type(obj).__name__} as JSON")


def to_json(obj: Any, *, indent: int | None = None) -> str:
    """JSON text of ``obj``; paths, dataclasses and numpy values are converted."""
    return safe_text(json.dumps(obj, indent=indent, default=_json_default, ensure_ascii=False))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "run"


class RunDirectory:
    """One run's folder. Build with :meth:`create` (new run) or :meth:`open` (resume, report)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._next_seq: int | None = None
        self._lock_file: Any = None
        self._made_above: list[Path] = []
        """Folders above this run that :meth:`create` made, deepest first (discarding removes them)."""

    @classmethod
    def create(
        cls, runs_dir: str | Path, env: str, task: str, config: dict[str, Any], name: str | None = None
    ) -> RunDirectory:
        """Make a new, unique run folder under ``runs_dir`` and store ``config`` in it.

        The folder is ``<YYYYmmdd-HHMMSS>-<env>-<task>``, or ``name`` when given; a
        ``-2``, ``-3``, ... suffix keeps it unique. An existing folder is never reused.
        """
        runs_dir = Path(runs_dir)
        missing = [folder for folder in (runs_dir, *runs_dir.parents) if not folder.exists()]
        runs_dir.mkdir(parents=True, exist_ok=True)
        stem = _slug(name) if name else f"{datetime.now():%Y%m%d-%H%M%S}-{_slug(env)}-{_slug(task)}"
        for attempt in range(1, 10_000):
            path = runs_dir / (stem if attempt == 1 else f"{stem}-{attempt}")
            try:
                path.mkdir()
            except FileExistsError:
                continue
            run = cls(path)
            run._made_above = missing
            run.acquire()
            run.write_json(CONFIG_FILE, config)
            return run
        raise RunDirectoryError(f"{runs_dir}: too many runs named {stem!r}; choose another name")

    @classmethod
    def open(cls, path: str | Path) -> RunDirectory:
        """Open an existing run folder (it must hold ``config.json``)."""
        path = Path(path)
        if not path.is_dir():
            raise RunDirectoryError(f"{path}: no such run directory")
        if not (path / CONFIG_FILE).is_file():
            raise RunDirectoryError(f"{path}: not a run directory (no {CONFIG_FILE})")
        return cls(path)

    @property
    def config(self) -> dict[str, Any]:
        """The run's resolved configuration, as stored in ``config.json``.

        :raises RunDirectoryError: the file is not a JSON object (one line saying so).
        """
        path = self.path / CONFIG_FILE
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RunDirectoryError(
                f"{path}: not valid JSON ({exc}); restore it from a copy or start a new run"
            ) from None
        if not isinstance(config, dict):
            raise RunDirectoryError(f"{path}: expected a JSON object, got {type(config).__name__}")
        return config

    def acquire(self) -> None:
        """Make this process the directory's only writer (idempotent; shared by objects of one process).

        :raises RunDirectoryError: another live process holds it; the message names its pid.
        """
        if self._lock_file is not None:
            return
        key = self.path.resolve()
        with _HELD_LOCK:
            handle, users = _HELD.get(key, (None, 0))
            if handle is None:
                handle = self._take_lock()
            _HELD[key] = (handle, users + 1)
        self._lock_file = handle

    def _take_lock(self) -> Any:
        handle = open(self.path / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115 - held while we write
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise RunDirectoryError(
                f"{self.path}: in use by another rlgpt process (pid {holder}); wait for it to end or "
                "stop it, then resume"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        return handle

    def release(self) -> None:
        """Stop writing; the lock goes when no object of this process writes here (or the process ends)."""
        if self._lock_file is None:
            return
        key = self.path.resolve()
        with _HELD_LOCK:
            handle, users = _HELD.pop(key, (self._lock_file, 1))
            if users > 1:
                _HELD[key] = (handle, users - 1)
            else:
                handle.close()
        self._lock_file = None

    @property
    def events_path(self) -> Path:
        """Path of ``events.jsonl``."""
        return self.path / EVENTS_FILE

    def read_events(self) -> EventLog:
        """Parse ``events.jsonl``; a partial last line is reported in ``truncated_tail``."""
        return parse_events(self.events_path)[0]

    def append_event(self, kind: str, **data: Any) -> dict[str, Any]:
        """Append ``{"seq", "time", "kind", **data}`` as one line, flushed and fsynced; return it.

        Strings in ``data`` are bounded (:func:`rlgpt.textbound.bound_values`), so an event line stays
        valid UTF-8 and of reasonable size whatever an LLM or generated code produced.
        """
        reserved = sorted({"seq", "time"} & data.keys())
        if reserved:
            raise ValueError(f"append_event: {', '.join(reserved)} are set by the log; rename those fields")
        with self._lock:
            if self._next_seq is None:
                self.acquire()
                self._next_seq = self._repair_tail()
            event = {"seq": self._next_seq, "time": round(time.time(), 3), "kind": kind, **bound_values(data)}
            self._write_line(event)
            self._next_seq += 1
            return event

    def _write_line(self, event: dict[str, Any]) -> None:
        line = (to_json(event) + "\n").encode("utf-8")
        with open(self.events_path, "ab") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def _repair_tail(self) -> int:
        """Move a partial last line to ``events.jsonl.corrupt``; return the next sequence number."""
        log, good_end = parse_events(self.events_path)
        next_seq = int(log.events[-1]["seq"]) + 1 if log.events else 0
        if log.truncated_tail is None:
            return next_seq
        corrupt = self.events_path.with_name(EVENTS_FILE + CORRUPT_SUFFIX)
        with open(self.events_path, "rb+") as handle:
            handle.seek(good_end)
            partial = handle.read()
            with open(corrupt, "ab") as out:
                out.write(partial.rstrip(b"\n") + b"\n")
                out.flush()
                os.fsync(out.fileno())
            handle.truncate(good_end)
            handle.flush()
            os.fsync(handle.fileno())
        event = {
            "seq": next_seq,
            "time": round(time.time(), 3),
            "kind": LOG_REPAIRED,
            "moved_bytes": len(partial),
            "moved_to": corrupt.name,
        }
        self._write_line(event)
        return next_seq + 1

    def discard_if_unused(self) -> bool:
        """Delete this run folder when nothing was done in it (no LLM call, no finished iteration).

        For a run that failed on a usage error before doing any work (a missing transcript, a
        bad API key): the user fixes the cause and starts again, without an empty folder left behind,
        not even the ``runs`` folder :meth:`create` made for it. Returns whether the folder was deleted.
        """
        kinds = {event.get("kind") for event in self.read_events()}
        if kinds & USEFUL_EVENTS or (self.path / "llm").exists():
            return False
        self.release()
        shutil.rmtree(self.path)
        for folder in self._made_above:
            try:
                folder.rmdir()
            except OSError:  # another run (or anything else) is in it now
                break
        return True

    def _resolve(self, relpath: str | Path) -> Path:
        target = (self.path / relpath).resolve()
        if not target.is_relative_to(self.path.resolve()) or target == self.path.resolve():
            raise ValueError(f"{relpath}: must be a file path inside the run directory {self.path}")
        return target

    def write_bytes(self, relpath: str | Path, data: bytes) -> Path:
        """Write a file inside the run folder atomically; return its path."""
        target = self._resolve(relpath)
        atomic_write_bytes(target, data)
        return target

    def write_text(self, relpath: str | Path, text: str) -> Path:
        """Write a UTF-8 text file inside the run folder atomically; return its path."""
        return self.write_bytes(relpath, safe_text(text).encode("utf-8"))

    def write_json(self, relpath: str | Path, obj: Any) -> Path:
        """Write ``obj`` as indented JSON inside the run folder atomically; return its path."""
        return self.write_text(relpath, to_json(obj, indent=2) + "\n")

    def relative(self, path: str | Path) -> str:
        """``path`` as the run's events store it: relative to the run folder when inside it (so a moved
        run folder still finds its files), else absolute."""
        target, root = Path(path).resolve(), self.path.resolve()
        return str(target.relative_to(root)) if target.is_relative_to(root) else str(target)

    def stored_path(self, stored: str | Path) -> Path:
        """A path read from the run's events, where it is now.

        A relative path is inside the run folder. An absolute one (earlier versions stored them)
        is looked up inside the run folder first, at the same place below a former location of
        the folder, so a moved or copied run uses its own files, not the old copy.
        """
        path = Path(stored)
        if not path.is_absolute():
            return self.path / path
        for start in range(1, len(path.parts) - 1):
            inside = self.path.joinpath(*path.parts[start:])
            if inside.is_file():
                return inside
        return path

    def subdir(self, name: str) -> Path:
        """A sub-folder of the run (created if missing), e.g. ``code`` or ``checkpoints``."""
        target = self._resolve(name)
        target.mkdir(parents=True, exist_ok=True)
        return target

    def __repr__(self) -> str:
        return f"RunDirectory({str(self.path)!r})"
