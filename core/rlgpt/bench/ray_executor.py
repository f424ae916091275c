"""The Ray executor: every trial a Ray task, its results and run directory sent back to the driver.

Each trial is a ``ray.remote`` task with ``max_calls=1`` (a fresh worker process per trial),
the CPUs and GPUs asked for per trial, and ``max_retries`` = ``--retries``: when the worker
process dies (killed, out of memory, node lost) Ray runs the trial again, up to that many
times, then the trial is reported as failed with Ray's reason.

The worker runs the trial in a scratch folder of its own node and returns the result, the
console output and the run directory (a ``tar.gz`` in memory); the driver writes them under
``--out``, with the paths recorded in the run's text files moved there too. So ``--out`` need
not be on a file system the nodes share. A trial whose earlier attempt left a run directory
under ``--out`` gets it sent along and resumes it.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from rlgpt.bench.matrix import Trial
from rlgpt.bench.trial import base_result, failed_result, run_trial
from rlgpt.config import ConfigError
from rlgpt.runs import CONFIG_FILE, atomic_write_bytes

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
TEXT_RECORDS = (".json", ".jsonl", ".md")
"""The files of a run directory that may record its absolute path."""


@dataclass(frozen=True)
class RayOptions:
    """How trials use the cluster.

    :param address: the cluster to join (``ray.init(address)``); ``None``: ``RAY_ADDRESS``, else a
        new Ray instance on this machine (even if ``ray start`` ran here before).
    :param cpus_per_trial: CPUs reserved per trial; the trial's torch and OpenMP threads follow it.
    :param gpus_per_trial: GPUs reserved per trial (local LLM backends); may be a fraction.
    :param retries: how many times a trial whose worker process died is run again.
    """

    address: str | None = None
    cpus_per_trial: int = 1
    gpus_per_trial: float = 0.0
    retries: int = 1


class RayExecutor:
    """Trials as Ray tasks; results yielded as tasks finish (``ray.wait``).

    :param ray: the imported ``ray`` module.
    :param out: the bench folder: run directories go to ``out/runs``, console output to ``out/logs``.
    """

    def __init__(self, ray: Any, out: Path, options: RayOptions) -> None:
        self.ray = ray
        self.runs = (out / "runs").resolve()
        self.logs = out / "logs"
        self.options = options

    def run(self, trials: Sequence[Trial]) -> Iterator[dict[str, Any]]:
        """Submit every trial, then yield each result as its task ends (finished or failed)."""
        ray = self.ray
        started_ray = self._connect()
        try:
            self._check_resources()
            task = ray.remote(
                num_cpus=self.options.cpus_per_trial,
                num_gpus=self.options.gpus_per_trial,
                max_calls=1,
                max_retries=self.options.retries,
                retry_exceptions=False,
            )(run_in_worker)
            submitted = time.perf_counter()
            pending = {
                task.remote(trial.to_dict(), self._earlier_run(trial), self.options.cpus_per_trial): trial
                for trial in trials
            }
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    trial = pending.pop(ref)
                    yield self._collect(trial, ref, time.perf_counter() - submitted)
        finally:
            if started_ray:
                ray.shutdown()

    def _connect(self) -> bool:
        """Join the cluster unless this process already has; True when this call started Ray."""
        if self.ray.is_initialized():
            return False
        # "local": a new instance here, never a cluster some earlier `ray start` left on this machine
        address = self.options.address or os.environ.get("RAY_ADDRESS") or "local"
        try:
            self.ray.init(address=address)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(
                f"--address {address}: cannot join the Ray cluster ({reason}); "
                "check the address or start the head node with `ray start --head`"
            ) from None
        return True

    def _check_resources(self) -> None:
        """Fail at once, rather than wait forever, when no node could ever hold one trial."""
        totals = self.ray.cluster_resources()
        wanted = (("CPU", self.options.cpus_per_trial, "--cpus-per-trial"),
                  ("GPU", self.options.gpus_per_trial, "--gpus-per-trial"))
        for resource, amount, flag in wanted:
            available = totals.get(resource, 0)
            if amount > available:
                raise ConfigError(
                    f"{flag} {amount:g}: the Ray cluster has {available:g} {resource}s in all, so no trial "
                    f"could start; lower {flag} or add nodes with {resource}s"
                )

    def _earlier_run(self, trial: Trial) -> bytes | None:
        """The run directory an earlier attempt left under ``--out``, packed, so the trial resumes it."""
        path = self.runs / trial.id
        return pack_directory(path) if (path / CONFIG_FILE).is_file() else None

    def _collect(self, trial: Trial, ref: Any, wall_time_s: float) -> dict[str, Any]:
        """Fetch one task's result; store its run directory and log here; a lost task is a failed trial."""
        log_path = self.logs / f"{trial.id}.log"
        try:
            result = self.ray.get(ref)
        except self.ray.exceptions.RayTaskError as exc:  # the worker code itself raised
            error = f"ray task raised {type(exc.cause).__name__}: {exc.cause}".splitlines()[0]
            return failed_result(trial, error, wall_time_s, str(exc))
        except self.ray.exceptions.RayError as exc:  # the worker died each time, or the task was lost
            attempts = self.options.retries + 1
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
            error = f"ray task failed after {attempts} attempt{'s' * (attempts > 1)}: {reason}"
            return failed_result(trial, error, wall_time_s, str(exc))
        archive, worker_runs = result.pop("run_archive"), result.pop("worker_runs_dir")
        if archive is not None:
            self._store_run(trial, archive, worker_runs)
        self.logs.mkdir(parents=True, exist_ok=True)
        with log_path.open("a", encoding="utf-8") as log:  # a resumed trial keeps its earlier output
            log.write(result.pop("log_text").replace(worker_runs, str(self.runs)))
        return {**result, **base_result(trial), "log": str(log_path)}

    def _store_run(self, trial: Trial, archive: bytes, worker_runs: str) -> None:
        """Replace ``out/runs/<id>`` by the worker's run directory; paths recorded in it follow it here."""
        target = self.runs / trial.id
        self.runs.mkdir(parents=True, exist_ok=True)
        incoming = Path(tempfile.mkdtemp(prefix=f".{trial.id}.", dir=self.runs))
        try:
            unpack_directory(archive, incoming)
            relocate_paths(incoming, worker_runs, str(self.runs))
            if target.exists():
                shutil.rmtree(target)
            incoming.rename(target)
        finally:
            shutil.rmtree(incoming, ignore_errors=True)


def run_in_worker(trial_data: dict[str, Any], earlier_run: bytes | None, cpus: int) -> dict[str, Any]:
    """The body of a Ray task: run one trial in a scratch folder and return everything it made.

    :returns: the trial result plus ``run_archive`` (the run directory, packed), ``log_text``
        (the console output) and ``worker`` (node, process, CPUs, GPUs and torch threads used).
    """
    limit_threads(cpus)
    trial = Trial.from_dict(trial_data)
    with tempfile.TemporaryDirectory(prefix="rlgpt-trial-") as scratch:
        runs = Path(scratch) / "runs"
        trial = replace(trial, config=trial.config.model_copy(update={"runs_dir": runs}))
        if earlier_run is not None:
            unpack_directory(earlier_run, runs / trial.id)
        log = io.StringIO()
        with redirect_stdout(log), redirect_stderr(log):
            result = run_trial(trial, Console(file=log, highlight=False, width=120))
        run_path = runs / trial.id
        archive = pack_directory(run_path) if run_path.is_dir() else None
    import ray

    torch = sys.modules.get("torch")  # loaded by the learners; its thread count as the trial ran
    worker = {
        "executor": "ray",
        "node": socket.gethostname(),
        "pid": os.getpid(),
        "cpus": cpus,
        "gpu_ids": [str(gpu) for gpu in ray.get_gpu_ids()],
        "torch_threads": torch.get_num_threads() if torch is not None else None,
    }
    return {**result, "worker": worker, "run_archive": archive, "log_text": log.getvalue(),
            "worker_runs_dir": str(runs)}


def limit_threads(cpus: int) -> None:
    """Make OpenMP, MKL and torch (when installed) use ``cpus`` threads in this process."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(cpus)
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(cpus)


def relocate_paths(run_path: Path, old: str, new: str) -> None:
    """Rewrite ``old`` (where the run was made) as ``new`` in the run's config, events and reports."""
    for path in sorted(run_path.rglob("*")):
        if path.suffix in TEXT_RECORDS and path.is_file():
            text = path.read_text(encoding="utf-8")
            if old in text:
                atomic_write_bytes(path, text.replace(old, new).encode("utf-8"))


def pack_directory(path: Path) -> bytes:
    """``path`` and everything in it as ``tar.gz`` bytes (entries relative to ``path``)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(path, arcname=".")
    return buffer.getvalue()


def unpack_directory(data: bytes, path: Path) -> None:
    """Extract :func:`pack_directory` bytes into ``path`` (made if missing); no entry may leave it."""
    path.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        archive.extractall(path, filter="data")
