"""The Ray executor on a real local Ray instance (two CPUs, loopback only, no usage stats).

The same tiny matrix runs with ``--executor local`` and ``--executor ray`` and must give the
same trials; Ray workers killed mid-trial are retried, then reported as failed.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest
from rlgpt.bench.runner import plan_trials
from rlgpt.plugins import get_registry

MATRIX = dict(methods=["pure-code", "pure-rl"], seeds=[0], budget=64)
TRIAL_TITLE = "ray::run_in_worker"
"""The process title Ray gives a worker while it runs a trial."""
SCRATCH = Path(tempfile.gettempdir())
"""Where the workers (children of this process) make their scratch folders."""


@pytest.fixture(scope="module")
def ray_instance(bench_plugins_only):
    """A local Ray with 2 CPUs on 127.0.0.1, started once for this module and shut down after it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAY_USAGE_STATS_ENABLED", "0")
        patch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # Ray then binds the node to 127.0.0.1
        patch.delenv("RAY_ADDRESS", raising=False)
        ray = importlib.import_module("ray")
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
            yield ray
        finally:
            ray.shutdown()


def trial_results(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (out / "trials").glob("*.json")}


def table_rows(out: Path) -> list[list[str]]:
    """The rows of results.md's tables, without the wall-time column."""
    lines = (out / "results.md").read_text().splitlines()
    return [line.split(" | ")[:-1] for line in lines if line.startswith("| ")]


@pytest.fixture(scope="module")
def local_and_ray(ray_instance, tmp_path_factory, bench_files, bench_entries, bench_run):
    """The same matrix run by both executors: {executor: (exit status, out folder, console output)}."""
    folder = tmp_path_factory.mktemp("executors")
    config = bench_files(folder, bench_entries)
    runs = {}
    for executor in ("local", "ray"):
        out, console = folder / executor, io.StringIO()
        with contextlib.redirect_stderr(console):
            status = bench_run(out, config=config, executor=executor, **MATRIX)
        runs[executor] = status, out, console.getvalue()
    return runs


def test_ray_gives_the_same_trials_as_local(local_and_ray):
    (local_status, local_out, _), (ray_status, ray_out, _) = local_and_ray["local"], local_and_ray["ray"]
    errors = [r["error"] for out in (local_out, ray_out) for r in trial_results(out).values() if r["error"]]
    assert local_status == ray_status == 0, errors
    local, ray = trial_results(local_out), trial_results(ray_out)
    assert sorted(local) == sorted(ray) and len(ray) == 2
    for trial_id, expected in local.items():
        got = ray[trial_id]
        assert got["status"] == expected["status"] == "finished"
        assert got["summary"]["final_success_rate"] == expected["summary"]["final_success_rate"]
        assert got["summary"]["env_steps"] == expected["summary"]["env_steps"] > 0
        assert [r["env_steps"] for r in got["records"]] == [r["env_steps"] for r in expected["records"]]
        assert [r["successes"] for r in got["records"]] == [r["successes"] for r in expected["records"]]
    assert table_rows(ray_out) == table_rows(local_out)
    assert len(table_rows(ray_out)) == 3  # header and one row per method


def test_ray_results_are_written_by_the_driver(local_and_ray):
    _, out, _ = local_and_ray["ray"]
    for trial_id, result in trial_results(out).items():
        run = out / "runs" / trial_id
        assert result["run_dir"] == str(run.resolve())
        assert json.loads((run / "config.json").read_text())["runs_dir"] == str((out / "runs").resolve())
        events = (run / "events.jsonl").read_text().splitlines()
        assert json.loads(events[-1])["kind"] == "run_end"
        worker = result["worker"]
        assert worker["executor"] == "ray" and worker["pid"] != os.getpid()
        assert worker["cpus"] == 1 and worker["torch_threads"] == 1 and worker["gpu_ids"] == []
        log = Path(result["log"]).read_text()
        assert log and result["log"] == str(out / "logs" / f"{trial_id}.log")
        for path in run.rglob("*"):  # nothing points back into the worker's scratch folder
            assert not path.is_file() or b"rlgpt-trial-" not in path.read_bytes()


def test_progress_reports_the_finished_trials(local_and_ray):
    _, _, console = local_and_ray["ray"]
    assert "2 trials: 0 already finished, 2 to run" in console
    assert "trial 2/2 finished" in console


class WorkerKiller:
    """Kills this session's Ray worker running a trial once the trial's run has started, ``times`` at most.

    ``killed`` holds the killed workers' process ids, ``scratch`` the folders they left behind.
    """

    def __init__(self, trial_id: str, times: int) -> None:
        self.trial_id, self.times = trial_id, times
        self.killed: list[int] = []
        self.scratch: list[Path] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> WorkerKiller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while len(self.killed) < self.times and not self._stop.is_set():
            for process in psutil.Process().children(recursive=True):  # Ray's processes are ours
                try:
                    title = " ".join(process.cmdline())
                except psutil.Error:
                    continue
                scratch = self._started(process) if title.startswith(TRIAL_TITLE) else None
                if scratch is not None and process.pid not in self.killed:
                    os.kill(process.pid, signal.SIGKILL)
                    self.killed.append(process.pid)
                    self.scratch.append(scratch)
            time.sleep(0.05)

    def _started(self, process: psutil.Process) -> Path | None:
        """This worker's scratch folder once its run of the trial has logged ``run_start``."""
        try:
            born = process.create_time()
            for events in SCRATCH.glob(f"rlgpt-trial-*/runs/{self.trial_id}/events.jsonl"):
                if events.stat().st_mtime >= born and b'"run_start"' in events.read_bytes():
                    return events.parents[2]
        except (psutil.Error, OSError):  # the worker or an old scratch folder went away meanwhile
            pass
        return None


def one_trial(tmp_path, bench_files, bench_entries, bench_args, **values):
    config = bench_files(tmp_path, bench_entries)
    args = bench_args(tmp_path / "out", config=config, executor="ray", **values)
    (trial,) = plan_trials(args, get_registry())
    return args, trial


def run_with_killer(args, trial, times: int) -> tuple[int, WorkerKiller]:
    from rlgpt.bench.runner import main as bench_main

    with WorkerKiller(trial.id, times) as killer:
        status = bench_main(args, argv=["rlgpt", "bench"])
    for scratch in killer.scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    return status, killer


def test_worker_killed_every_time_is_retried_then_failed(ray_instance, tmp_path, bench_files, bench_entries,
                                                         bench_args):
    args, trial = one_trial(tmp_path, bench_files, bench_entries, bench_args, methods=["pure-rl"], seeds=[0],
                            budget=2048, retries=2)
    status, killer = run_with_killer(args, trial, times=3)
    assert status == 1 and len(killer.killed) == 3  # the first attempt and both retries
    result = trial_results(args.out)[trial.id]
    assert result["status"] == "failed" and result["summary"] is None
    assert result["error"].startswith("ray task failed after 3 attempts: WorkerCrashedError: ")
    assert f"- `{trial.id}`: {result['error']}" in (args.out / "results.md").read_text()


def test_worker_killed_once_is_retried_and_finishes(ray_instance, tmp_path, bench_files, bench_entries,
                                                    bench_args):
    args, trial = one_trial(tmp_path, bench_files, bench_entries, bench_args, methods=["pure-rl"], seeds=[0],
                            budget=1024, retries=1, cpus_per_trial=2)
    status, killer = run_with_killer(args, trial, times=1)
    assert status == 0 and len(killer.killed) == 1
    result = trial_results(args.out)[trial.id]
    assert result["status"] == "finished" and result["summary"]["env_steps"] >= 1024
    assert result["worker"]["pid"] not in killer.killed
    assert result["worker"]["cpus"] == 2 and result["worker"]["torch_threads"] == 2


def test_more_gpus_than_the_cluster_has_is_a_one_line_error(ray_instance, tmp_path, bench_files,
                                                            bench_entries, bench_run):
    from rlgpt.config import ConfigError

    config = bench_files(tmp_path, bench_entries)
    with pytest.raises(ConfigError) as error:
        bench_run(tmp_path / "out", config=config, methods=["pure-code"], seeds=[0], executor="ray",
                  gpus_per_trial=1)
    assert str(error.value) == (
        "--gpus-per-trial 1: a trial runs on one node, and the largest Ray node (127.0.0.1) has 0 GPUs "
        "(1 node, 0 in all), so no trial could start; lower --gpus-per-trial or add a node with 1 GPUs"
    )


def test_a_rerun_sends_the_earlier_run_directory_to_the_worker(local_and_ray, tmp_path, bench_run):
    _, original, _ = local_and_ray["ray"]
    out = tmp_path / "again"
    shutil.copytree(original, out)
    trial_id = next(iter(trial_results(out)))
    (out / "trials" / f"{trial_id}.json").unlink()  # as if the trial had not finished
    config = original.parent / "base.toml"
    assert bench_run(out, config=config, executor="ray", **MATRIX) == 0
    log = (out / "logs" / f"{trial_id}.log").read_text()
    assert f"resuming {out.resolve() / 'runs' / trial_id}" in log  # the worker's copy, paths moved back here
    assert "already finished" in log
    result = trial_results(out)[trial_id]
    assert result["status"] == "finished" and result["run_dir"] == str(out.resolve() / "runs" / trial_id)


def test_a_stopped_command_cancels_its_trials_and_removes_their_scratch(ray_instance, tmp_path, bench_files,
                                                                        bench_entries, bench_args):
    from rlgpt.bench.runner import executor_from_args

    config = bench_files(tmp_path, bench_entries)
    args = bench_args(tmp_path / "out", config=config, executor="ray", methods=["pure-code", "pure-rl"],
                      seeds=[0], budget=1_000_000)
    trials = plan_trials(args, get_registry())
    long_trial = next(trial for trial in trials if trial.method == "pure-rl")
    results = executor_from_args(args).run(trials)
    assert next(results)["method"] == "pure-code"  # meanwhile the long trial trains on the other CPU
    deadline = time.monotonic() + 60
    while not list(SCRATCH.glob(f"rlgpt-trial-*/runs/{long_trial.id}")):
        assert time.monotonic() < deadline, "the long trial never started"
        time.sleep(0.2)
    results.close()  # what Ctrl-C does to the command's loop over the results
    assert list(SCRATCH.glob(f"rlgpt-trial-*/runs/{long_trial.id}")) == []
    deadline = time.monotonic() + 30
    while trial_workers():
        assert time.monotonic() < deadline, "the cancelled trial's worker still runs"
        time.sleep(0.2)


def trial_workers() -> list[int]:
    """This session's Ray workers running a trial now."""
    found = []
    for process in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            title = " ".join(process.cmdline())
            if process.status() != psutil.STATUS_ZOMBIE and title.startswith(TRIAL_TITLE):
                found.append(process.pid)
    return found
