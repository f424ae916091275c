"""Where trials run: one interface, a local executor and a Ray executor.

``local`` runs the trials one after another, each in its own Python process
(``python -m rlgpt.bench.trial``): a trial that crashes the interpreter, leaks memory or
changes global state (torch threads, random generators) cannot touch the next one. Its
output goes to ``<out>/logs/<trial id>.log``.

``ray`` submits every trial as a ``ray.remote`` task (``max_calls=1``: a fresh worker
process per trial) to the Ray cluster ``ray.init()`` finds, and yields results as they
finish. The run directories are written where the tasks run, so on a multi-node cluster
``--out`` should be on a shared file system.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from rlgpt.bench.matrix import Trial
from rlgpt.bench.trial import failed_result, run_trial, write_json
from rlgpt.config import ConfigError

EXECUTORS = ("local", "ray")
LOG_TAIL_CHARS = 2000


class Executor(Protocol):
    """Runs trials and yields one result dict per trial, in the order they finish."""

    def run(self, trials: Sequence[Trial]) -> Iterator[dict[str, Any]]:
        """Run ``trials``; each result is yielded as soon as its trial ends (finished or failed)."""
        ...


class LocalExecutor:
    """Sequential trials, each in a fresh Python process.

    :param out: the bench folder; logs go to ``out/logs`` and hand-over files to ``out/.work``.
    """

    def __init__(self, out: Path) -> None:
        self.logs = out / "logs"
        self.work = out / ".work"

    def run(self, trials: Sequence[Trial]) -> Iterator[dict[str, Any]]:
        """Run each trial in a child process and yield its result."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self.work.mkdir(parents=True, exist_ok=True)
        for trial in trials:
            yield self._run_one(trial)

    def _run_one(self, trial: Trial) -> dict[str, Any]:
        spec, result_path = self.work / f"{trial.id}.trial.json", self.work / f"{trial.id}.result.json"
        result_path.unlink(missing_ok=True)
        write_json(spec, trial.to_dict())
        log_path = self.logs / f"{trial.id}.log"
        started = time.perf_counter()
        env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        with log_path.open("a", encoding="utf-8") as log:  # a resumed trial keeps its earlier output
            process = subprocess.run(
                [sys.executable, "-m", "rlgpt.bench.trial", str(spec), str(result_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                check=False,
            )
        spec.unlink(missing_ok=True)
        if process.returncode == 0 and result_path.is_file():
            result = json.loads(result_path.read_text(encoding="utf-8"))
            result_path.unlink()
            result["log"] = str(log_path)
            return result
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARS:]
        code = process.returncode
        ended = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
        error = f"trial process {ended} without a result (see {log_path})"
        result = failed_result(trial, error, time.perf_counter() - started, tail)
        result["log"] = str(log_path)
        return result


class RayExecutor:
    """Every trial a Ray task on the cluster that ``ray.init()`` connects to.

    :param ray: the imported ``ray`` module.
    """

    def __init__(self, ray: Any) -> None:
        self.ray = ray

    def run(self, trials: Sequence[Trial]) -> Iterator[dict[str, Any]]:
        """Submit all trials, then yield results as tasks complete."""
        ray = self.ray
        if not ray.is_initialized():
            ray.init()
        remote = ray.remote(num_cpus=1, max_calls=1)(_ray_trial)
        submitted = time.perf_counter()
        pending = {remote.remote(trial.to_dict()): trial for trial in trials}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                trial = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as exc:  # the worker died or Ray lost the task
                    error = f"ray task failed: {type(exc).__name__}: {exc}".splitlines()[0]
                    result = failed_result(trial, error, time.perf_counter() - submitted, str(exc))
                yield result


def _ray_trial(trial: dict[str, Any]) -> dict[str, Any]:
    """The body of a Ray task: run one trial in the worker process."""
    return run_trial(Trial.from_dict(trial))


def make_executor(name: str, out: Path) -> Executor:
    """The executor called ``name``.

    :raises ConfigError: unknown name, or ``ray`` when Ray is not installed.
    """
    if name == "local":
        return LocalExecutor(out)
    if name == "ray":
        try:
            ray = importlib.import_module("ray")
        except ImportError:
            raise ConfigError(
                "--executor ray: Ray is not installed; run `pip install ray` (or use --executor local)"
            ) from None
        return RayExecutor(ray)
    raise ConfigError(f"--executor {name!r}: unknown executor (executors: {', '.join(EXECUTORS)})")
