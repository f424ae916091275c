"""Executors: the Ray executor's clear error without Ray, and its task flow on a stand-in cluster."""

from __future__ import annotations

import json
import multiprocessing
import sys
import types
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

import pytest
from rlgpt.bench.executors import LocalExecutor, RayExecutor, make_executor
from rlgpt.bench.runner import plan_trials
from rlgpt.cli import main as cli_main
from rlgpt.config import ConfigError
from rlgpt.plugins import get_registry


def test_ray_executor_without_ray_names_the_install(
    monkeypatch, tmp_path, bench_files, bench_entries, capsys
):
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail, as when it is not installed
    config = bench_files(tmp_path, bench_entries)
    out = tmp_path / "out"
    status = cli_main(["bench", "--config", str(config), "--methods", "pure-code", "--seeds", "0",
                       "--executor", "ray", "--out", str(out)])
    assert status == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error == (
        "error: --executor ray: Ray is not installed; run `pip install ray` (or use --executor local)"
    )
    assert not (out / "runs").exists() and not (out / "trials").exists()  # nothing ran


def test_make_executor_names(tmp_path):
    assert isinstance(make_executor("local", tmp_path), LocalExecutor)
    with pytest.raises(ConfigError, match=r"unknown executor \(executors: local, ray\)"):
        make_executor("dask", tmp_path)


def test_local_trial_process_killed_is_a_failed_trial(monkeypatch, tmp_path, bench_files, bench_entries,
                                                     bench_args):
    config = bench_files(tmp_path, bench_entries)
    (trial,) = plan_trials(bench_args(tmp_path / "out", config=config, methods=["pure-code"], seeds=[0]),
                           get_registry())
    dying = tmp_path / "dying-python"
    dying.write_text("#!/bin/sh\necho started a trial\nkill -9 $$\n")
    dying.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(dying))  # the trial's interpreter dies as in an OOM kill
    (result,) = LocalExecutor(tmp_path / "out").run([trial])
    log = tmp_path / "out" / "logs" / f"{trial.id}.log"
    assert result["status"] == "failed" and result["summary"] is None
    assert result["error"] == f"trial process was killed by signal 9 without a result (see {log})"
    assert result["details"] == "started a trial\n" and result["log"] == str(log)


def stand_in_ray(pool: ProcessPoolExecutor, calls: list) -> types.ModuleType:
    """The part of Ray's API the executor uses, backed by a process pool (one fresh process per task)."""
    ray = types.ModuleType("ray")
    state = {"initialized": False}

    def remote(**options):
        def wrap(function):
            calls.append(options)
            return types.SimpleNamespace(remote=lambda *args: pool.submit(function, *args))

        return wrap

    ray.is_initialized = lambda: state["initialized"]
    ray.init = lambda: state.update(initialized=True)
    ray.remote = remote
    ray.wait = lambda refs, num_returns: (list(wait(refs, return_when=FIRST_COMPLETED)[0])[:num_returns], [])
    ray.get = lambda ref: ref.result()
    return ray


def test_ray_executor_runs_each_trial_as_a_task(monkeypatch, tmp_path, bench_files, bench_entries, bench_run):
    calls: list[dict] = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context, max_tasks_per_child=1) as pool:
        ray = stand_in_ray(pool, calls)
        monkeypatch.setitem(sys.modules, "ray", ray)
        config = bench_files(tmp_path, bench_entries)
        out = tmp_path / "out"
        status = bench_run(out, config=config, methods=["pure-code"], seeds=[0, 1], executor="ray")
    assert status == 0 and ray.is_initialized()
    assert calls == [{"num_cpus": 1, "max_calls": 1}]
    results = [json.loads(p.read_text()) for p in (out / "trials").glob("*.json")]
    assert sorted(r["seed"] for r in results) == [0, 1]
    assert all(r["status"] == "finished" and r["summary"]["final_success_rate"] == 1.0 for r in results)
    assert "| pure-code | replay:reference | 2/2 | 1.00" in (out / "results.md").read_text()


def test_ray_task_that_dies_is_a_failed_trial(tmp_path, bench_files, bench_entries, bench_args):
    config = bench_files(tmp_path, bench_entries)
    (trial,) = plan_trials(bench_args(tmp_path / "out", config=config, methods=["pure-code"], seeds=[0]),
                           get_registry())

    class LostTask(Exception):
        pass

    def lost(_):
        raise LostTask("worker died\nsecond line")

    ray = types.SimpleNamespace(
        is_initialized=lambda: True,
        remote=lambda **options: lambda function: types.SimpleNamespace(remote=lambda arg: "ref"),
        wait=lambda refs, num_returns: (refs[:1], refs[1:]),
        get=lost,
    )
    (result,) = RayExecutor(ray).run([trial])
    assert result["status"] == "failed" and result["id"] == trial.id
    assert result["error"] == "ray task failed: LostTask: worker died"
