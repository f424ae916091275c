"""Time one small ``rlgpt bench`` matrix with the local and the Ray executor on this machine.

Usage (from the repository root, with ``make install`` done)::

    nice -n 10 .venv/bin/python benchmarks/ray_executor_overhead.py benchmarks/results/ray-executor

Runs the matrix of ``benchmarks/results/ray-executor/base.toml`` three ways, each into a fresh
folder: ``local`` (one trial after another, each a fresh Python process), ``ray`` (the bench
starts a local Ray instance with every CPU; one CPU per trial, so trials run side by side) and
``ray-serial`` (``--address`` of a one-CPU Ray head started here with ``ray start``: one trial
at a time, as ``local``, so the difference is Ray's own cost). It also times starting and
stopping a local Ray instance alone. For each run
it records the command's wall time and the time spent inside the trials (the results'
``wall_time_s``, measured around the loop in the trial's process); the rest, per trial, is the
executor's overhead. Writes ``results.md`` and ``results.json`` into the folder given.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from rlgpt.bench.trial import untimed_records

BIN = Path(sys.executable).parent
MATRIX = ["--methods", "pure-code,pure-rl,rl-gpt", "--seeds", "0,1,2", "--budget", "512"]
SETUPS = {
    "local": [],
    "ray": ["--executor", "ray"],
    "ray-serial": ["--executor", "ray", "--address", "127.0.0.1:{port}"],
}
HEAD_START_S = 60
PLOT = "success_vs_steps.png"  # not kept: the tables are the record
HEAD_COMMAND = "ray start --head --block --num-cpus 1 --port PORT --node-ip-address 127.0.0.1"
ENV = {
    **os.environ,
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "RLGPT_LOAD_PLUGINS": "testenv,sb3",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # a local Ray binds to 127.0.0.1 only
    "RAY_AUTH_MODE": "token",  # head and driver both use Ray's token (~/.ray/auth_token)
}
RAY_START = "import ray; ray.init(address='local', include_dashboard=False); ray.shutdown()"


def timed(command: list[str]) -> float:
    """Run ``command`` (it must succeed) and return its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(command, env=ENV, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


@contextlib.contextmanager
def one_cpu_head(scratch: Path) -> Iterator[int]:
    """A Ray head node with one CPU on 127.0.0.1 (``ray start --head --block``); yields its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(BIN / "ray"), "start", "--head", "--block", "--num-cpus", "1", "--port", str(port),
               "--node-ip-address", "127.0.0.1", "--include-dashboard", "false", "--disable-usage-stats"]
    with (scratch / "ray-head.log").open("w") as log:
        head = subprocess.Popen(command, env=ENV, stdout=log, stderr=subprocess.STDOUT)
    try:
        ready = [sys.executable, "-c", f"import ray; ray.init(address='127.0.0.1:{port}'); ray.shutdown()"]
        deadline = time.monotonic() + HEAD_START_S
        while subprocess.run(ready, env=ENV, capture_output=True).returncode != 0:
            if time.monotonic() > deadline or head.poll() is not None:
                raise RuntimeError(f"the Ray head did not start; see {scratch / 'ray-head.log'}")
            time.sleep(1)
        yield port
    finally:
        head.send_signal(signal.SIGTERM)  # ray start --block stops its node's processes on SIGTERM
        try:
            head.wait(timeout=120)
        except subprocess.TimeoutExpired:
            head.kill()
            head.wait()
        current = Path(tempfile.gettempdir()) / "ray" / "ray_current_cluster"  # what ray.init() would join
        if current.is_file() and current.read_text().strip() == f"127.0.0.1:{port}":
            current.unlink()


def measure(folder: Path, scratch: Path) -> dict:
    """Every setup once, then Ray's start-up alone; the numbers as a dict."""
    config = folder / "base.toml"
    runs, records = {}, {}
    for name, extra in SETUPS.items():
        out = scratch / name
        command = [str(BIN / "rlgpt"), "bench", "--config", str(config), *MATRIX, "--out", str(out), *extra]
        with contextlib.ExitStack() as stack:
            if "--address" in extra:
                port = stack.enter_context(one_cpu_head(scratch))
                command = [part.format(port=port) for part in command]
            wall = timed(command)
        trials = json.loads((out / "results.json").read_text())["trials"]
        assert all(t["status"] == "finished" for t in trials), f"{name}: a trial failed"
        inside = sum(t["wall_time_s"] for t in trials)
        runs[name] = {
            "command": " ".join(["rlgpt", *command[1:]]).replace(str(scratch), "OUT"),
            "head": HEAD_COMMAND if "--address" in extra else None,
            "trials": len(trials),
            "wall_s": round(wall, 2),
            "inside_trials_s": round(inside, 2),
            "outside_per_trial_s": round((wall - inside) / len(trials), 2),
            "success": {t["id"]: t["summary"]["final_success_rate"] for t in trials},
            "env_steps": {t["id"]: t["summary"]["env_steps"] for t in trials},
        }
        records[name] = {f"{t['task']} {t['method']} seed {t['seed']}": untimed_records(t["records"])
                         for t in trials}
        table = (out / "results.md").read_text().replace(str(scratch), "OUT")
        plot_line = f"![success against env steps]({PLOT})\n"
        (folder / f"{name}.results.md").write_text(table.replace(plot_line, "").rstrip("\n") + "\n")
    ray_start = timed([sys.executable, "-c", RAY_START])
    return {"runs": runs, "ray_start_stop_s": round(ray_start, 2), "load_after": os.getloadavg(),
            "code": code_version(), "differences": differences(records)}


def differences(records: dict[str, dict[str, list[dict]]]) -> dict[str, dict[str, str]]:
    """Where a setup's iteration records (less what the clock decides) differ from ``local``'s:
    trial (task, method, seed: ids would differ if the code changed between setups) -> setup -> the
    first differing iteration and each differing field, ``local != setup``."""
    found: dict[str, dict[str, str]] = {}
    for name, trials in records.items():
        for trial, got in trials.items():
            expected = records["local"].get(trial, [])
            if got == expected:
                continue
            if len(got) != len(expected):
                found.setdefault(trial, {})[name] = f"{len(expected)} != {len(got)} iterations"
                continue
            pairs = zip(expected, got, strict=True)
            index = next(i for i, (mine, theirs) in enumerate(pairs) if mine != theirs)
            mine, theirs = expected[index], got[index]
            fields = [f"{key} {str(mine.get(key))[:150]} != {str(theirs.get(key))[:150]}"
                      for key in sorted({*mine, *theirs}) if mine.get(key) != theirs.get(key)]
            found.setdefault(trial, {})[name] = f"iteration {index}: " + "; ".join(fields)
    return found


def code_version() -> str:
    """The commit of the ``rlgpt`` being measured, and whether its checkout had changes."""
    import rlgpt

    where = Path(rlgpt.__file__).parent
    commit = subprocess.run(["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True)
    changed = subprocess.run(["git", "-C", str(where), "status", "--porcelain", "--", "."],
                             capture_output=True, text=True).stdout.strip()
    return f"{commit.stdout.strip()}{' with uncommitted changes' if changed else ''} ({where})"


def markdown(data: dict, machine: str) -> str:
    """The summary table and what it shows."""
    runs, local = data["runs"], data["runs"]["local"]
    differing = data["differences"]
    lines = [
        "# Local vs Ray executor: one small matrix on this machine",
        "",
        f"Machine: {machine}; load average after the runs: "
        + ", ".join(f"{x:.1f}" for x in data["load_after"]),
        "",
        f"Code: rlgpt at {data['code']}",
        "",
        "Command: `nice -n 10 .venv/bin/python benchmarks/ray_executor_overhead.py "
        "benchmarks/results/ray-executor`",
        "",
        "| setup | trials | wall time (s) | inside trials (s) | outside, per trial (s) | wall vs local |",
        "|---|---|---|---|---|---|",
    ]
    for name, run in runs.items():
        ratio = run["wall_s"] / local["wall_s"]
        lines.append(f"| {name} | {run['trials']} | {run['wall_s']:.1f} | {run['inside_trials_s']:.1f} | "
                     f"{run['outside_per_trial_s']:.2f} | {ratio:.2f} |")
    lines += [
        "",
        f"Starting and stopping a local Ray instance alone: {data['ray_start_stop_s']:.1f} s "
        "(included in the `ray` row; `ray-serial` joins a head node started before it).",
        "",
        "Same iteration records per trial in all three setups (success, episodes, env steps, LLM calls and "
        "tokens, plans, programs, rejections, call failures; wall times, training speed and LLM latency "
        "left out): " + ("yes" if not differing else f"NO, {len(differing)} of {local['trials']} differ:"),
        *[f"- `{trial}`, {name} against local: {' '.join(where.split())}"
          for trial, setups in differing.items() for name, where in setups.items()],
        "",
        "Commands (OUT is a fresh temporary folder per setup):",
        "",
        *[f"- {name}: `{run['command']}`" + (f" (head node: `{run['head']}`)" if run["head"] else "")
          for name, run in runs.items()],
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """``ray_executor_overhead.py FOLDER``: measure and write FOLDER/results.md and results.json."""
    if len(argv) != 1:
        print("usage: ray_executor_overhead.py FOLDER (holding base.toml)", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    with tempfile.TemporaryDirectory(prefix="rlgpt-ray-bench-") as scratch:
        data = measure(folder, Path(scratch))
    machine = f"{os.cpu_count()} CPU cores, Python {sys.version.split()[0]}"
    (folder / "results.json").write_text(json.dumps(data, indent=2) + "\n")
    (folder / "results.md").write_text(markdown(data, machine))
    print(folder / "results.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
