"""The Ray executor on a real two-node cluster: two ``ray start`` nodes of one CPU each on this machine.

A trial needs one node with all its CPUs; a worker killed after the first iteration of a
two-iteration rl-gpt trial is retried and resumes from the run folder synced to the driver,
giving what the local executor gives; workers on both nodes share one LLM cache and ask a
request once; no scratch folder outlives its trial. Every process of the cluster carries a
marker in its environment, so the teardown stops exactly those, even when a test failed.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from rlgpt.bench.runner import plan_trials
from rlgpt.bench.trial import untimed_records
from rlgpt.plugins import get_registry

pytestmark = [pytest.mark.slow, pytest.mark.ray_cluster]

RAY = Path(sys.executable).with_name("ray")
MARKER = "RLGPT_TEST_RAY_CLUSTER"
"""Environment variable set for every process of the test cluster (its value: the cluster's folder)."""
NODES_UP_S = 120.0
TRIAL_TITLE = "ray::run_in_worker"
RL_GPT = dict(methods=["rl-gpt"], seeds=[0], budget=64,
              set=["max_iterations=2", "target_success=1.0", "code.call_timeout_s=30"])
"""A two-iteration rl-gpt trial (the replay answers never reach success 1.0 on this budget), whose
coded actions get a wall-clock limit no busy machine reaches: a call stopped by it would change the
run, whichever executor ran it."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cluster_processes(folder: Path) -> list[psutil.Process]:
    """Every live process started for the cluster in ``folder`` (found by the marker in its environment)."""
    found = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if process.environ().get(MARKER) == str(folder):
                found.append(process)
    return found


def stop_cluster(nodes: list[subprocess.Popen], folder: Path) -> None:
    """Stop the ``ray start --block`` processes, then kill whatever of the cluster is left."""
    for node in reversed(nodes):
        with contextlib.suppress(ProcessLookupError):
            node.send_signal(signal.SIGTERM)
    for node in nodes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            node.wait(30)
    left = cluster_processes(folder)
    for process in left:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(left, timeout=10)


@pytest.fixture(scope="module")
def cluster(bench_plugins_only) -> Iterator[tuple]:
    """A head and a worker node (1 CPU each), joined by this process: ``(ray, the nodes' TMPDIR)``."""
    if not RAY.is_file():
        pytest.skip(f"no `ray` command next to {sys.executable}: install Ray (`pip install 'rlgpt[ray]'`)")
    folder = Path(tempfile.mkdtemp(prefix="rlgpt-ray-", dir="/tmp"))  # short: Ray's socket paths live here
    scratch = folder / "tmp"
    scratch.mkdir()
    env = {**os.environ, MARKER: str(folder), "TMPDIR": str(scratch), "RAY_USAGE_STATS_ENABLED": "0",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "RAY_AUTH_MODE": "disabled"}  # else a token in ~/.ray turns it on, and this process has none
    env.pop("RAY_ADDRESS", None)
    address = f"127.0.0.1:{free_port()}"
    common = ["--block", "--num-cpus=1", "--node-ip-address=127.0.0.1", "--disable-usage-stats"]
    nodes: list[subprocess.Popen] = []
    ray = importlib.import_module("ray")
    log = (folder / "nodes.log").open("w")
    try:
        head = [str(RAY), "start", "--head", f"--port={address.split(':')[1]}", "--include-dashboard=false",
                f"--temp-dir={folder / 'ray'}", *common]
        nodes.append(subprocess.Popen(head, env=env, stdout=log, stderr=subprocess.STDOUT))
        joined = wait_for_head(ray, address, nodes[0])
        assert joined, f"the head node did not start: {(folder / 'nodes.log').read_text()[-2000:]}"
        worker = [str(RAY), "start", f"--address={address}", *common]
        nodes.append(subprocess.Popen(worker, env=env, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + NODES_UP_S
        while sum(node["Alive"] for node in ray.nodes()) < 2:
            assert time.monotonic() < deadline, f"no 2nd node: {(folder / 'nodes.log').read_text()[-2000:]}"
            time.sleep(1)
        yield ray, scratch
    finally:
        if ray.is_initialized():
            ray.shutdown()
        stop_cluster(nodes, folder)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
    assert not cluster_processes(folder)


def wait_for_head(ray, address: str, head: subprocess.Popen) -> bool:
    """Join the head node once it answers; False when its ``ray start`` ended or it never answered."""
    deadline = time.monotonic() + NODES_UP_S
    while time.monotonic() < deadline and head.poll() is None:
        try:
            ray.init(address=address, log_to_driver=False)
            return True
        except ConnectionError:
            time.sleep(2)
    return False


def trial_results(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (out / "trials").glob("*.json")}


def test_a_trial_wider_than_every_node_is_a_one_line_error(cluster, tmp_path, bench_files, bench_entries,
                                                            bench_run):
    from rlgpt.config import ConfigError

    ray, _ = cluster
    assert ray.cluster_resources()["CPU"] == 2  # enough in all, but on two nodes
    node = ray.nodes()[0]["NodeManagerAddress"]
    config = bench_files(tmp_path, bench_entries)
    with pytest.raises(ConfigError) as error:
        bench_run(tmp_path / "out", config=config, methods=["pure-code"], seeds=[0], executor="ray",
                  cpus_per_trial=2)
    assert str(error.value) == (
        f"--cpus-per-trial 2: a trial runs on one node, and the largest Ray node ({node}) has 1 CPUs "
        "(2 nodes, 2 in all), so no trial could start; lower --cpus-per-trial or add a node with 2 CPUs"
    )


class KillAfterFirstIteration:
    """Kills the cluster's worker running the trial once the driver holds the trial's first iteration."""

    def __init__(self, run: Path, folder: str) -> None:
        self.events, self.folder = run / "events.jsonl", folder
        self.killed: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> KillAfterFirstIteration:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self.killed and not self._stop.wait(0.05):
            if not self._first_iteration_synced():
                continue
            for process in cluster_processes(Path(self.folder)):
                with contextlib.suppress(psutil.Error):
                    if " ".join(process.cmdline()).startswith(TRIAL_TITLE):
                        process.kill()
                        self.killed.append(process.pid)

    def _first_iteration_synced(self) -> bool:
        try:
            return b'"iteration_end"' in self.events.read_bytes()
        except OSError:  # nothing synced yet
            return False


def test_a_killed_worker_resumes_from_the_synced_run_and_matches_local(cluster, tmp_path, bench_files,
                                                                       bench_entries, bench_args):
    from rlgpt.bench.runner import main as bench_main

    _, scratch = cluster
    config = bench_files(tmp_path, bench_entries)
    local_args = bench_args(tmp_path / "local", config=config, **RL_GPT)
    assert bench_main(local_args, argv=["rlgpt", "bench"]) == 0
    args = bench_args(tmp_path / "ray", config=config, executor="ray", retries=1, **RL_GPT)
    (trial,) = plan_trials(args, get_registry())
    run = args.out.resolve() / "runs" / trial.id
    with KillAfterFirstIteration(run, str(scratch.parent)) as killer:
        status = bench_main(args, argv=["rlgpt", "bench"])
    result = trial_results(args.out)[trial.id]
    assert status == 0 and len(killer.killed) == 1, result["error"]
    assert result["status"] == "finished" and result["worker"]["pid"] not in killer.killed
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    starts = [event["resumed_after"] for event in events if event["kind"] == "run_start"]
    assert starts == [0, 1]  # the retry went on after the synced first iteration
    assert sum(event["kind"] == "iteration_end" for event in events) == 2
    assert f"resuming {run}" in Path(result["log"]).read_text()
    expected = trial_results(local_args.out)[trial.id]
    assert expected["summary"]["iterations"] == result["summary"]["iterations"] == 2
    assert untimed_records(result["records"]) == untimed_records(expected["records"])
    assert {**result["summary"], "wall_time_s": 0} == {**expected["summary"], "wall_time_s": 0}
    assert list(scratch.glob("rlgpt-trial-*")) == []  # the killed worker's folder went with its trial


class SlowCounting:
    """An LLM at the network edge: each real call takes a second and leaves a line in ``calls``."""

    supports_images = False
    backend, model = "counting", "slow"

    def __init__(self, calls: str) -> None:
        self.calls = calls

    def complete(self, request):
        from rlgpt.llm import Completion, Usage

        with open(self.calls, "a", encoding="utf-8") as calls:
            calls.write(f"{os.getpid()}\n")
        time.sleep(1.0)
        return Completion(f"answer from {os.getpid()}", Usage(5, 2), 1.0, self.model, self.backend)


def ask_through_the_cluster_cache(server, cache_file: str, calls: str, owner: str) -> tuple[str, bool, str]:
    """A Ray task: ask one request through the shared cache; (answer, cached, node id)."""
    import ray
    from rlgpt.bench.ray_cache import RemoteStore
    from rlgpt.llm import CachedLLM, Request, user
    from rlgpt.llm.cache import cache_stores

    with cache_stores(lambda path: RemoteStore(server, path, owner)):
        answer = CachedLLM(SlowCounting(calls), cache_file).complete(Request((user("Plan the house."),)))
    return answer.text, answer.cached, ray.get_runtime_context().get_node_id()


def test_workers_on_both_nodes_share_one_cache_and_ask_once(cluster, tmp_path):
    from ray import cloudpickle
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
    from rlgpt.bench.ray_cache import CacheServer
    from rlgpt.llm.cache import cache_contents

    ray, _ = cluster
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this module
    here = ray.get_runtime_context().get_node_id()
    server = ray.remote(CacheServer).options(
        num_cpus=0, scheduling_strategy=NodeAffinitySchedulingStrategy(here, soft=False)
    ).remote()
    cache_file, calls = tmp_path / "driver-cache.sqlite", tmp_path / "calls.txt"
    task = ray.remote(num_cpus=1)(ask_through_the_cluster_cache)
    nodes = [node["NodeID"] for node in ray.nodes() if node["Alive"]]
    answers = ray.get([
        task.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False))
        .remote(server, str(cache_file), str(calls), f"trial-{index}")
        for index, node in enumerate(nodes)
    ])
    ray.kill(server)
    assert sorted(node for _, _, node in answers) == sorted(nodes) and len(nodes) == 2
    assert len(calls.read_text().splitlines()) == 1  # one real call for the whole cluster
    assert len({text for text, _, _ in answers}) == 1
    assert sorted(cached for _, cached, _ in answers) == [False, True]
    assert [entry.entries for entry in cache_contents(cache_file)] == [1]  # kept in the driver's file
