"""Executors: names, the Ray-only options, the clear error without Ray, the local executor's retries."""

from __future__ import annotations

import sys

import pytest
from rlgpt.bench.executors import LocalExecutor, make_executor
from rlgpt.bench.runner import executor_from_args, plan_trials
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
        "error: --executor ray: Ray is not installed; "
        "run `pip install 'rlgpt[ray]'` (or use --executor local)"
    )
    assert not (out / "runs").exists() and not (out / "trials").exists()  # nothing ran


def test_make_executor_names(tmp_path):
    assert isinstance(make_executor("local", tmp_path), LocalExecutor)
    with pytest.raises(ConfigError, match=r"unknown executor \(executors: local, ray\)"):
        make_executor("dask", tmp_path)
    with pytest.raises(ConfigError, match=r"^--retries -1: give 0 or more"):
        make_executor("local", tmp_path, retries=-1)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"address": "10.0.0.1:6379"}, "--address: applies to --executor ray only; add --executor ray"),
        ({"cpus_per_trial": 2}, "--cpus-per-trial: applies to --executor ray only"),
        ({"executor": "ray", "cpus_per_trial": 0}, "--cpus-per-trial 0: give a whole number of CPUs"),
        ({"executor": "ray", "gpus_per_trial": -0.5}, "--gpus-per-trial -0.5: give 0 or more GPUs"),
    ],
)
def test_bad_executor_options_are_one_line_errors(tmp_path, bench_args, values, message):
    with pytest.raises(ConfigError) as error:
        executor_from_args(bench_args(tmp_path, **values))
    assert str(error.value).startswith(message)


def test_cli_parses_the_executor_options():
    from rlgpt.cli import build_parser

    args = build_parser().parse_args(["bench", "--env", "gridcraft", "--executor", "ray", "--retries", "3",
                                      "--address", "ray://head:10001", "--cpus-per-trial", "2",
                                      "--gpus-per-trial", "0.5"])
    def options(parsed):
        return parsed.retries, parsed.address, parsed.cpus_per_trial, parsed.gpus_per_trial

    assert options(args) == (3, "ray://head:10001", 2, 0.5)
    assert options(build_parser().parse_args(["bench", "--env", "gridcraft"])) == (1, None, None, None)


def test_local_trial_process_killed_is_retried_then_failed(monkeypatch, tmp_path, bench_files, bench_entries,
                                                           bench_args):
    config = bench_files(tmp_path, bench_entries)
    (trial,) = plan_trials(bench_args(tmp_path / "out", config=config, methods=["pure-code"], seeds=[0]),
                           get_registry())
    dying = tmp_path / "dying-python"
    dying.write_text("#!/bin/sh\necho started a trial\nkill -9 $$\n")
    dying.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(dying))  # the trial's interpreter dies as in an OOM kill
    (result,) = LocalExecutor(tmp_path / "out", retries=2).run([trial])
    log = tmp_path / "out" / "logs" / f"{trial.id}.log"
    assert result["status"] == "failed" and result["summary"] is None
    assert result["error"] == f"trial process was killed by signal 9 without a result, 3 times (see {log})"
    assert result["details"] == "started a trial\n" * 3 and result["log"] == str(log)


def test_local_trial_process_killed_once_is_retried_and_finishes(monkeypatch, tmp_path, bench_files,
                                                                 bench_entries, bench_args):
    config = bench_files(tmp_path, bench_entries)
    (trial,) = plan_trials(bench_args(tmp_path / "out", config=config, methods=["pure-code"], seeds=[0]),
                           get_registry())
    marker = tmp_path / "died-once"
    dies_once = tmp_path / "dies-once-python"
    dies_once.write_text(
        f'#!/bin/sh\nif [ ! -e "{marker}" ]; then touch "{marker}"; echo first attempt; kill -9 $$; fi\n'
        f'exec "{sys.executable}" "$@"\n'
    )
    dies_once.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(dies_once))
    (result,) = LocalExecutor(tmp_path / "out", retries=1).run([trial])
    assert result["status"] == "finished" and result["summary"]["final_success_rate"] == 1.0
    assert (tmp_path / "out" / "logs" / f"{trial.id}.log").read_text().startswith("first attempt\n")


def test_ray_address_that_cannot_be_joined_is_a_one_line_error(monkeypatch, tmp_path, bench_files,
                                                               bench_entries, capsys):
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # if Ray is first imported here: loopback
    config = bench_files(tmp_path, bench_entries)
    out = tmp_path / "out"
    status = cli_main(["bench", "--config", str(config), "--methods", "pure-code", "--seeds", "0",
                       "--executor", "ray", "--address", "nohost", "--out", str(out)])
    assert status == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: --address nohost: cannot join the Ray cluster (Invalid address format: nohost); "
        "check the address or start the head node with `ray start --head`"
    )
    assert not (out / "trials").exists() and not (out / "runs").exists()
