"""Where trials run: one interface, a local executor and a Ray executor.

``local`` runs the trials one after another, each in its own Python process
(``python -m rlgpt.bench.trial``): a trial that crashes the interpreter, leaks memory or
changes global state (torch threads, random generators) cannot touch the next one. Its
output goes to ``<out>/logs/<trial id>.log``. A trial process that dies without a result
is started again, up to ``retries`` times, then the trial is reported as failed.

``ray`` (:mod:`rlgpt.bench.ray_executor`) submits every trial as a Ray task to a cluster or a
local Ray instance and writes what the tasks send back where the command runs.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from rlgpt.bench.matrix import Trial
from rlgpt.bench.ray_executor import RayExecutor, RayOptions
from rlgpt.bench.trial import failed_result, write_json
from rlgpt.config import ConfigError

EXECUTORS = ("local", "ray")
LOG_TAIL_CHARS = 2000
TRIAL_STOP_GRACE_S = 30.0
"""How long an interrupted command waits for a trial process to end its run before killing it."""


class Executor(Protocol):
    """Runs trials and yields one result dict per trial, in the order they finish."""

    def run(self, trials: Sequence[Trial]) -> Iterator[dict[str, Any]]:
        """Run ``trials``; each result is yielded as soon as its trial ends (finished or failed)."""
        ...


class LocalExecutor:
    """Sequential trials, each in a fresh Python process.

    :param out: the bench folder; logs go to ``out/logs`` and hand-over files to ``out/.work``.
    :param retries: how many times a trial whose process died without a result is run again.
    """

    def __init__(self, out: Path, retries: int = 1) -> None:
        self.logs = out / "logs"
        self.work = out / ".work"
        self.retries = retries

    def run(self, trials: Sequence[Trial]) -> Iterator[dict[str, Any]]:
        """Run each trial in a child process and yield its result."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self.work.mkdir(parents=True, exist_ok=True)
        for trial in trials:
            yield self._run_one(trial)

    def _run_one(self, trial: Trial) -> dict[str, Any]:
        """Run ``trial`` in child processes until one leaves a result or the retries are spent."""
        spec = self.work / f"{trial.id}.trial.json"
        write_json(spec, trial.to_dict())
        log_path = self.logs / f"{trial.id}.log"
        started = time.perf_counter()
        attempts = self.retries + 1
        for _ in range(attempts):
            code, result = self._attempt(trial, spec, log_path)
            if result is not None:
                break
        spec.unlink(missing_ok=True)
        if result is None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARS:]
            ended = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
            error = f"trial process {ended} without a result, {attempts} times (see {log_path})"
            result = failed_result(trial, error, time.perf_counter() - started, tail)
        result["log"] = str(log_path)
        return result

    def _attempt(self, trial: Trial, spec: Path, log_path: Path) -> tuple[int, dict[str, Any] | None]:
        """One trial process: its exit status and the result it wrote (None when it wrote none)."""
        result_path = self.work / f"{trial.id}.result.json"
        result_path.unlink(missing_ok=True)
        env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        with log_path.open("a", encoding="utf-8") as log:  # a resumed trial keeps its earlier output
            process = subprocess.Popen(
                [sys.executable, "-m", "rlgpt.bench.trial", str(spec), str(result_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
            returncode = _wait(process)
        if returncode != 0 or not result_path.is_file():
            return returncode, None
        try:
            result = json.loads(result_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # a result the trial could not finish writing: run it again
            return returncode, None
        result_path.unlink()
        return 0, result if isinstance(result, dict) else None


def _wait(process: subprocess.Popen[bytes]) -> int:
    """Wait for a trial process and return its exit status.

    When this process is interrupted, the trial gets the same signal, so that it ends its run
    with a ``run_interrupted`` event and stops its own children; it is killed only if it has not
    ended within :data:`TRIAL_STOP_GRACE_S`. Then the interruption goes on.
    """
    try:
        return process.wait()
    except KeyboardInterrupt as exc:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(getattr(exc, "signum", signal.SIGINT))
        try:
            process.wait(TRIAL_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        raise


def make_executor(name: str, out: Path, retries: int = 1, ray_options: RayOptions | None = None) -> Executor:
    """The executor called ``name``; ``ray_options`` (address, resources) only apply to ``ray``.

    :raises ConfigError: unknown name, a negative ``retries``, or ``ray`` when Ray is not installed.
    """
    if retries < 0:
        raise ConfigError(f"--retries {retries}: give 0 or more (how often a dead trial process is rerun)")
    if name == "local":
        return LocalExecutor(out, retries)
    if name == "ray":
        try:
            ray = importlib.import_module("ray")
        except ImportError:
            message = "Ray is not installed; run `pip install 'rlgpt[ray]'` (or use --executor local)"
            raise ConfigError(f"--executor ray: {message}") from None
        return RayExecutor(ray, out, replace(ray_options or RayOptions(), retries=retries))
    raise ConfigError(f"--executor {name!r}: unknown executor (executors: {', '.join(EXECUTORS)})")
