"""Run one trial in this process and describe how it went.

A trial's run directory is ``<runs_dir>/<trial id>``. If it already exists (an earlier
attempt failed or was killed), the run is resumed after its last finished iteration, and
the LLM cache in it answers the requests already made. Every exception becomes a
``failed`` result holding the error; the caller decides where the result is stored.

Run as ``python -m rlgpt.bench.trial TRIAL.json RESULT.json`` it is the worker process of
the local executor: it reads the trial, runs it and writes the result atomically.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from rlgpt.bench.matrix import Trial
from rlgpt.interrupts import Interrupted, interruptible, stop_children
from rlgpt.llm.answer_metrics import answer_metrics
from rlgpt.metrics import IterationRecord
from rlgpt.observers import Observers
from rlgpt.runs import CONFIG_FILE, atomic_write_bytes, to_json

FINISHED = "finished"
FAILED = "failed"


def base_result(trial: Trial) -> dict[str, Any]:
    """The fields every result has, whether the trial finished or failed."""
    return {
        "id": trial.id,
        "env": trial.config.env,
        "task": trial.task,
        "method": trial.method,
        "llm": trial.llm,
        "seed": trial.seed,
        "config": trial.config.model_dump(mode="json"),
        "run_dir": str(Path(trial.config.runs_dir) / trial.id),
    }


def failed_result(trial: Trial, error: str, wall_time_s: float, details: str = "") -> dict[str, Any]:
    """A ``failed`` result: the one-line error and, in ``details``, the traceback or log tail."""
    return {
        **base_result(trial),
        "status": FAILED,
        "error": error,
        "details": details,
        "wall_time_s": wall_time_s,
        "finished_at": _now(),
        "summary": None,
        "records": [],
    }


def run_trial(
    trial: Trial, console: Console | None = None, observers: Sequence[object] = ()
) -> dict[str, Any]:
    """Run (or resume) ``trial`` with :class:`~rlgpt.loop.Loop`; never raises for a failing run.

    :param observers: further observers of the run (called by hook name, as the console is).
    """
    from rlgpt.loop import Loop

    started = time.perf_counter()
    console = console or Console(stderr=True, highlight=False)
    run_path = Path(trial.config.runs_dir) / trial.id
    try:
        if (run_path / CONFIG_FILE).is_file():
            console.print(f"resuming {run_path}")
            loop = Loop.resume(run_path, console=console, progress_bar=False)
        else:
            loop = Loop.from_config(trial.config, console=console, progress_bar=False)
        loop.observers = Observers(loop.observers.hook, [*loop.observers.local, *observers])
        summary = loop.run()
        events = loop.run_dir.read_events()
        records = [e["record"] for e in events.of_kind("iteration_end")]
    except Exception as exc:  # a failing trial is data: the matrix goes on
        error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return failed_result(trial, error, time.perf_counter() - started, traceback.format_exc())
    return {
        **base_result(trial),
        "run_dir": str(loop.run_dir.path),
        "status": FINISHED,
        "error": None,
        "details": "",
        "wall_time_s": time.perf_counter() - started,
        "finished_at": _now(),
        "summary": summary.to_dict(),
        "records": [IterationRecord.from_dict(r).to_dict() for r in records],
        "llm_metrics": answer_metrics(events).to_dict(),
    }


def untimed_records(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A result's iteration records without what the clock decides: wall times, training speed, LLM
    latency and the seconds spent writing programs. Two runs of a trial with the same seed give the
    same untimed records, whichever executor ran them, unless a call hit a wall-clock limit."""
    kept = []
    for record in records:
        record = {key: value for key, value in record.items() if key not in ("wall_time_s", "train_fps")}
        record["llm"] = {key: value for key, value in record["llm"].items() if key != "latency_s"}
        record["program_costs"] = {
            name: {key: value for key, value in cost.items() if key != "seconds"}
            for name, cost in record["program_costs"].items()
        }
        kept.append(record)
    return kept


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Store ``data`` as indented JSON, atomically (a crash leaves no half-written file)."""
    atomic_write_bytes(path, (to_json(data, indent=2) + "\n").encode("utf-8"))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def main(argv: list[str]) -> int:
    """Worker entry point: ``TRIAL.json RESULT.json``.

    SIGINT or SIGTERM ends the trial's run with its ``run_interrupted`` event, ends the processes
    the trial started and exits with 130 or 143, writing no result (a rerun resumes the run).
    """
    if len(argv) != 2:
        print("usage: python -m rlgpt.bench.trial TRIAL.json RESULT.json", file=sys.stderr)
        return 2
    trial = Trial.from_dict(json.loads(Path(argv[0]).read_text(encoding="utf-8")))
    with interruptible():
        try:
            write_json(Path(argv[1]), run_trial(trial))
        except Interrupted as exc:
            print(f"trial {trial.id}: {exc}", file=sys.stderr)
            stop_children()
            return exc.exit_status
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
