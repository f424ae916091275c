"""The Ray executor: every trial a Ray task; results, run directories and LLM answers kept by the driver.

Each trial is a ``ray.remote`` task with ``max_calls=1`` (a fresh worker process per trial),
the CPUs and GPUs asked for per trial, and ``max_retries`` = ``--retries``: when the worker
process dies (killed, out of memory, node lost) Ray runs the trial again, up to that many
times, then the trial is reported as failed with Ray's reason.

The worker runs the trial in a scratch folder of its own node. Two actors on the driver's node
serve the workers: :class:`~rlgpt.bench.ray_runs.RunStore` keeps ``--out/runs`` (a worker
fetches its trial's earlier run directory when it starts and sends it back after each finished
iteration, so a retry on any node resumes it) and :class:`~rlgpt.bench.ray_cache.CacheServer`
keeps the LLM response cache of the driver's machine for the whole cluster. The task returns the
result and the console output; the driver writes them under ``--out``. So ``--out`` need not be
on a file system the nodes share.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from rlgpt.bench.matrix import Trial
from rlgpt.bench.ray_cache import CacheServer, RemoteStore
from rlgpt.bench.ray_runs import RunStore, RunSync, relocate_paths, remove_scratch, unpack_directory
from rlgpt.bench.trial import base_result, failed_result, run_trial
from rlgpt.config import ConfigError
from rlgpt.llm.cache import CACHE_PATH_ENV, cache_stores, default_cache_path

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
CANCEL_WAIT_S = 10.0
"""How long an interrupted command waits for the cancelled trials' workers to end."""


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
        """Submit every trial, then yield each result as its task ends (finished or failed).

        When the command stops before every trial ended (interrupted), the trials still running
        are cancelled and the scratch folders of all their workers removed.
        """
        ray = self.ray
        started_ray = self._connect()
        services: tuple[Any, Any] | None = None
        pending: dict[Any, Trial] = {}
        try:
            self._check_resources()
            services = self._start_services()
            task = ray.remote(
                num_cpus=self.options.cpus_per_trial,
                num_gpus=self.options.gpus_per_trial,
                max_calls=1,
                max_retries=self.options.retries,
                retry_exceptions=False,
            )(run_in_worker)
            submitted = time.perf_counter()
            cache_path = str(default_cache_path())
            pending = {
                task.remote(trial.to_dict(), self.options.cpus_per_trial, *services, cache_path): trial
                for trial in trials
            }
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    trial = pending.pop(ref)
                    result = self._collect(trial, ref, time.perf_counter() - submitted)
                    self._end_trials(services, [trial])
                    yield result
        finally:
            if services is not None:
                if pending:
                    self._cancel(pending)
                    self._end_trials(services, pending.values())
                for actor in services:
                    ray.kill(actor)
            if started_ray:
                ray.shutdown()

    def _start_services(self) -> tuple[Any, Any]:
        """The run store and the cache server, as actors on this (the driver's) node, using no CPU."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        here = NodeAffinitySchedulingStrategy(self.ray.get_runtime_context().get_node_id(), soft=False)
        runs = self.ray.remote(RunStore).options(num_cpus=0, scheduling_strategy=here).remote(str(self.runs))
        cache = self.ray.remote(CacheServer).options(num_cpus=0, scheduling_strategy=here).remote()
        return runs, cache

    def _cancel(self, pending: Mapping[Any, Trial]) -> None:
        """Stop the trials still running (their workers are killed) and wait a little for them to end."""
        for ref in pending:
            self.ray.cancel(ref, force=True)
        self.ray.wait(list(pending), num_returns=len(pending), timeout=CANCEL_WAIT_S)

    def _end_trials(self, services: tuple[Any, Any], trials: Iterable[Trial]) -> None:
        """Release the cache keys these trials claimed; remove what their killed workers left."""
        runs, cache = services
        ids = [trial.id for trial in trials]
        self.ray.get([cache.release_owner.remote(trial_id) for trial_id in ids])
        remove_scratch(self.ray, self.ray.get(runs.take_scratch.remote(ids)))

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
        """Fail at once, rather than wait forever, when no node could ever hold one trial.

        A trial runs on one node, so one node must have all the CPUs and GPUs it asks for.
        """
        nodes = [node for node in self.ray.nodes() if node.get("Alive")]
        message = unfit_trial(nodes, self.options.cpus_per_trial, self.options.gpus_per_trial)
        if message is not None:
            raise ConfigError(message)

    def _collect(self, trial: Trial, ref: Any, wall_time_s: float) -> dict[str, Any]:
        """Fetch one task's result and store its log here (the run directory is stored already);
        a lost task is a failed trial."""
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
        worker_runs = result.pop("worker_runs_dir")
        self.logs.mkdir(parents=True, exist_ok=True)
        with log_path.open("a", encoding="utf-8") as log:  # a resumed trial keeps its earlier output
            log.write(result.pop("log_text").replace(worker_runs, str(self.runs)))
        return {**result, **base_result(trial), "log": str(log_path)}


def unfit_trial(nodes: Sequence[Mapping[str, Any]], cpus: int, gpus: float) -> str | None:
    """Why no node of ``nodes`` (the live ones of ``ray.nodes()``) can hold a trial; ``None`` when one can."""

    def amount(node: Mapping[str, Any], resource: str) -> float:
        return float(node.get("Resources", {}).get(resource, 0))

    if any(amount(node, "CPU") >= cpus and amount(node, "GPU") >= gpus for node in nodes):
        return None
    cluster = f"{len(nodes)} node{'s' * (len(nodes) != 1)}"
    for resource, wanted, flag in (("CPU", cpus, "--cpus-per-trial"), ("GPU", gpus, "--gpus-per-trial")):
        largest = max(nodes, key=lambda node: amount(node, resource), default={})
        if amount(largest, resource) < wanted:
            total = sum(amount(node, resource) for node in nodes)
            return (
                f"{flag} {wanted:g}: a trial runs on one node, and the largest Ray node "
                f"({largest.get('NodeManagerAddress', 'none alive')}) has {amount(largest, resource):g} "
                f"{resource}s ({cluster}, {total:g} in all), so no trial could start; "
                f"lower {flag} or add a node with {wanted:g} {resource}s"
            )
    return (
        f"--cpus-per-trial {cpus} --gpus-per-trial {gpus:g}: no Ray node has both ({cluster}: the ones with "
        "enough CPUs lack GPUs), so no trial could start; lower one of them or add a node with both"
    )


def run_in_worker(
    trial_data: dict[str, Any], cpus: int, run_store: Any, cache_server: Any, cache_path: str
) -> dict[str, Any]:
    """The body of a Ray task: run one trial in a scratch folder, synced with the driver's ``runs``.

    :param run_store: the :class:`~rlgpt.bench.ray_runs.RunStore` actor.
    :param cache_server: the :class:`~rlgpt.bench.ray_cache.CacheServer` actor; the trial's LLM
        answers are kept there.
    :param cache_path: the driver's default cache file (for configs that name none).
    :returns: the trial result plus ``log_text`` (the console output), ``worker_runs_dir`` and
        ``worker`` (node, process, CPUs, GPUs and torch threads used).
    """
    import ray

    limit_threads(cpus)
    os.environ[CACHE_PATH_ENV] = cache_path
    trial = Trial.from_dict(trial_data)
    node = ray.get_runtime_context().get_node_id()
    scratch = tempfile.mkdtemp(prefix="rlgpt-trial-")
    ray.get(run_store.add_scratch.remote(trial.id, node, scratch))
    log = io.StringIO()
    try:
        runs = Path(scratch) / "runs"
        trial = replace(trial, config=trial.config.model_copy(update={"runs_dir": runs}))
        earlier = ray.get(run_store.fetch.remote(trial.id))
        if earlier is not None:
            archive, driver_runs = earlier
            unpack_directory(archive, runs / trial.id)
            relocate_paths(runs / trial.id, driver_runs, str(runs))
        sync = RunSync(run_store, trial.id, runs)
        with redirect_stdout(log), redirect_stderr(log), cache_stores(
            lambda path: RemoteStore(cache_server, path, trial.id)
        ):
            result = run_trial(trial, Console(file=log, highlight=False, width=120), observers=[sync])
        sync.send()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        ray.get(run_store.drop_scratch.remote(trial.id, node, scratch))
    torch = sys.modules.get("torch")  # loaded by the learners; its thread count as the trial ran
    worker = {
        "executor": "ray",
        "node": socket.gethostname(),
        "pid": os.getpid(),
        "cpus": cpus,
        "gpu_ids": [str(gpu) for gpu in ray.get_gpu_ids()],
        "torch_threads": torch.get_num_threads() if torch is not None else None,
    }
    return {**result, "worker": worker, "log_text": log.getvalue(), "worker_runs_dir": str(runs)}


def limit_threads(cpus: int) -> None:
    """Make OpenMP, MKL and torch (when installed) use ``cpus`` threads in this process."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(cpus)
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(cpus)
