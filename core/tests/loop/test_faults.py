"""Faults driven through the real ``rlgpt`` command in a subprocess: Ctrl-C and SIGTERM while training
and evaluating, a corrupt checkpoint, a transcript that is not UTF-8, a malformed event log, a full
disk, a moved run folder and an interrupted ``rlgpt bench``.

Each fault must end in one line on stderr (no traceback), a ``run_interrupted`` event where the run
was stopped, no process of the command left running, and ``--resume`` (or the same bench command)
must then finish the work. Runs use gridcraft, PPO and the replay backend with tiny budgets.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rlgpt import PluginSelection
from rlgpt.config import load_config
from rlgpt.interrupts import is_running
from rlgpt.llm.cache import SqliteStore
from rlgpt.llm.types import LLMError
from rlgpt.runs import EVENTS_FILE, RunDirectory

TRANSCRIPT = Path(__file__).parent / "gridcraft_build_house.jsonl"
RLGPT = str(Path(sys.executable).with_name("rlgpt"))
NAME = "faults"
CONFIG = """env = "gridcraft"
task = "build_house"
method = "{method}"
max_iterations = 1
runs_dir = "runs"
name = "{name}"

[llm]
backend = "replay"
model = "reference"
cache = false
options = {{ transcript = "transcript.jsonl" }}

[learner]
name = "ppo"
total_timesteps = {timesteps}
hyperparameters = {{ n_steps = 128, batch_size = 64, n_epochs = 1 }}

[evaluation]
episodes = {episodes}

[code]
dry_run_timeout_s = 10
call_timeout_s = 1.0
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A working folder holding the reference transcript; skipped without gridcraft and PPO."""
    registry = PluginSelection().registry()
    if "gridcraft" not in registry.environments or "ppo" not in registry.learners:
        pytest.skip("needs the rlgpt-testenv and rlgpt-sb3 plugins installed")
    shutil.copy(TRANSCRIPT, tmp_path / "transcript.jsonl")
    return tmp_path


LONG_EVALUATION = 300
"""Evaluation episodes of the tests that stop a run while it evaluates: enough that the signal, sent half a
second after evaluation starts, finds it underway (with its coded actions inline, 30 episodes of the test
env can end sooner)."""


def write_config(
    folder: Path, *, method: str = "rl-gpt", timesteps: int = 256, episodes: int = 3, name: str = NAME
) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(CONFIG.format(method=method, timesteps=timesteps, episodes=episodes, name=name))
    return path


def start(folder: Path, *args: str, file_size_limit: int | None = None) -> subprocess.Popen[str]:
    """Start ``rlgpt ARGS`` in ``folder`` (``file_size_limit``: RLIMIT_FSIZE in bytes, a full disk)."""

    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    env = {**os.environ, "OMP_NUM_THREADS": "1", "RLGPT_LOAD_PLUGINS": "testenv,sb3"}
    return subprocess.Popen(
        [RLGPT, *args],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limit_files if file_size_limit else None,
    )


def rlgpt(folder: Path, *args: str, **kwargs: int) -> subprocess.CompletedProcess[str]:
    process = start(folder, *args, **kwargs)
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def kinds(run_dir: Path) -> list[str]:
    path = run_dir / EVENTS_FILE
    return [json.loads(line)["kind"] for line in path.read_text().splitlines()] if path.exists() else []


def events(run_dir: Path, kind: str) -> list[dict]:
    lines = (run_dir / EVENTS_FILE).read_text().splitlines()
    return [event for event in map(json.loads, lines) if event["kind"] == kind]


def descendants(pid: int) -> set[int]:
    """Pids of the processes below ``pid`` (psutil when installed, else ``/proc``)."""
    try:
        import psutil
    except ImportError:
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(stat.parent.name))
        found, todo = set(), [pid]
        while todo:
            below = children.get(todo.pop(), [])
            found.update(below)
            todo += below
        return found
    try:
        return {child.pid for child in psutil.Process(pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return set()


def stop_when(
    process: subprocess.Popen[str], run_dir: Path, kind: str, signum: int, *, after_s: float = 0.5
) -> tuple[subprocess.CompletedProcess[str], set[int]]:
    """Send ``signum`` once the run's log shows ``kind`` (and ``after_s`` more); return how the
    command ended and every process seen below it meanwhile."""
    seen: set[int] = set()
    deadline = time.monotonic() + 120
    while kind not in kinds(run_dir):
        assert process.poll() is None, f"ended before {kind}: {process.communicate()[1][-2000:]}"
        assert time.monotonic() < deadline, f"no {kind} event within 120 s"
        seen |= descendants(process.pid)
        time.sleep(0.05)
    time.sleep(after_s)
    seen |= descendants(process.pid)
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err), seen


def assert_one_line(stderr: str, expected: str) -> None:
    """No traceback, and the command's last word on stderr is the one line ``expected``."""
    assert "Traceback" not in stderr, stderr[-3000:]
    assert stderr.strip().splitlines()[-1] == expected, stderr[-3000:]


def assert_all_gone(pids: set[int]) -> None:
    left = sorted(pid for pid in pids if is_running(pid))
    assert not left, f"processes left running: {left}"


def resume_hint(run_dir: Path) -> str:
    return f"resume with `rlgpt run --resume {run_dir}`"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_a_signal_while_training_ends_the_run_cleanly_and_resume_trains_again(folder: Path, signum: int):
    write_config(folder, timesteps=8192)  # long enough that the signal lands in training, checks inline
    run_dir = Path("runs") / NAME
    process = start(folder, "run", f"{NAME}.toml")
    ended, children = stop_when(process, folder / run_dir, "training", signum)
    assert ended.returncode == 128 + signum
    assert_one_line(ended.stderr, f"interrupted; {resume_hint(run_dir)}")
    assert kinds(folder / run_dir)[-1] == "run_interrupted"
    assert children, "training with coded actions runs them in child processes"
    assert_all_gone(children)

    resumed = rlgpt(folder, "run", "--resume", str(run_dir))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert kinds(folder / run_dir)[-1] == "run_end"
    report = (folder / run_dir / "report.md").read_text()
    assert "trained again: `build` (iteration 0)" in report  # from zero: the report says so


def test_ctrl_c_while_evaluating_ends_the_run_cleanly_and_resume_reuses_the_checkpoint(folder: Path):
    write_config(folder, episodes=LONG_EVALUATION)
    run_dir = Path("runs") / NAME
    ended, children = stop_when(
        start(folder, "run", f"{NAME}.toml"), folder / run_dir, "evaluating", signal.SIGINT
    )
    assert ended.returncode == 130
    assert_one_line(ended.stderr, f"interrupted; {resume_hint(run_dir)}")
    assert kinds(folder / run_dir)[-2:] == ["evaluating", "run_interrupted"]
    assert_all_gone(children)

    resumed = rlgpt(folder, "run", "--resume", str(run_dir))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "training_reused" in kinds(folder / run_dir) and kinds(folder / run_dir)[-1] == "run_end"
    assert "trained again: nothing" in (folder / run_dir / "report.md").read_text()


def test_a_corrupt_checkpoint_is_named_and_its_subtask_trained_again(folder: Path):
    write_config(folder, episodes=LONG_EVALUATION)
    run_dir = folder / "runs" / NAME
    ended, _ = stop_when(start(folder, "run", f"{NAME}.toml"), run_dir, "evaluating", signal.SIGTERM)
    assert ended.returncode == 143
    (trained,) = events(run_dir, "trained")
    checkpoint = run_dir / trained["checkpoint"]
    checkpoint.write_bytes(checkpoint.read_bytes()[:1000])  # cut short, as by a crash mid-copy

    resumed = rlgpt(folder, "run", "--resume", str(run_dir))
    assert resumed.returncode == 0 and "Traceback" not in resumed.stderr, resumed.stderr[-3000:]
    warnings = [line for line in resumed.stderr.splitlines() if line.startswith("warning: checkpoint")]
    assert len(warnings) == 1 and trained["checkpoint"] in warnings[0] and "BadZipFile" in warnings[0]
    (unusable,) = events(run_dir, "checkpoint_unusable")
    assert unusable["subtask"] == "build" and unusable["checkpoint"] == trained["checkpoint"]
    assert len(events(run_dir, "trained")) == 2 and kinds(run_dir)[-1] == "run_end"
    assert "trained again: `build` (iteration 0)" in (run_dir / "report.md").read_text()


def test_a_transcript_that_is_not_utf8_is_one_line_and_leaves_no_run_folder(folder: Path):
    (folder / "transcript.jsonl").write_bytes(b'{"match": {}, "response": "caf\xe9"}\n')
    write_config(folder)
    result = rlgpt(folder, "run", f"{NAME}.toml")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "transcript.jsonl:1: not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (folder / "runs" / NAME).exists()


def test_a_corrupt_response_cache_is_a_one_line_llm_error(tmp_path: Path):
    # the replay backend is never cached, so this case is driven below the command: an LLMError is
    # what the command prints as one ``error:`` line (a run that did nothing leaves no folder)
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"not a sqlite database, " * 100)
    with pytest.raises(LLMError) as raised:
        SqliteStore(path)
    assert (
        str(raised.value)
        == f"LLM response cache {path}: file is not a database; delete it or run with --no-cache"
    )


def test_a_malformed_event_is_one_line(folder: Path):
    config = load_config(write_config(folder))
    run = RunDirectory.create(folder / "runs", config.env, config.task, config.model_dump(mode="json"), NAME)
    run.append_event("run_start", resumed_after=0)
    with run.events_path.open("a") as log:
        log.write('{"seq": 1, "kind": "iteration_end"}\n')  # valid JSON, but no record
    run.release()
    result = rlgpt(folder, "run", "--resume", str(run.path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"error: {run.events_path}: event 1 (iteration_end) is malformed (KeyError: 'record'); "
        "restore the file from a copy or start a new run"
    )


def test_a_full_disk_ends_the_run_cleanly_and_resume_finishes_it(folder: Path):
    write_config(folder)
    run_dir = Path("runs") / NAME
    # the run's small files fit; the policy checkpoint (about 140 kB) does not
    full = rlgpt(folder, "run", f"{NAME}.toml", file_size_limit=60_000)
    assert full.returncode == 1
    (line,) = [line for line in full.stderr.splitlines() if line.startswith("error:")]
    assert "File too large; free some space, then " + resume_hint(run_dir) in line
    assert_one_line(full.stderr, line)
    (interrupted,) = events(folder / run_dir, "run_interrupted")
    assert "File too large" in interrupted["error"]

    resumed = rlgpt(folder, "run", "--resume", str(run_dir))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert kinds(folder / run_dir)[-1] == "run_end"


def test_a_moved_run_folder_uses_its_own_checkpoints(folder: Path):
    write_config(folder, episodes=LONG_EVALUATION)
    old = folder / "runs" / NAME
    stop_when(start(folder, "run", f"{NAME}.toml"), old, "evaluating", signal.SIGINT)
    (trained,) = events(old, "trained")
    assert not Path(trained["checkpoint"]).is_absolute()
    moved = folder / "elsewhere" / NAME
    shutil.copytree(old, moved)  # the old copy stays: the moved run must not use it
    (old / trained["checkpoint"]).write_bytes(b"not the moved run's checkpoint")
    (curve,) = (moved / "curves").glob("*.json")
    curve.write_bytes(b"\xff cut sho")  # an unreadable learning curve is skipped, by resume and report

    resumed = rlgpt(folder, "run", "--resume", str(moved))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    (reused,) = events(moved, "training_reused")
    assert reused["checkpoint"] == trained["checkpoint"] and not events(moved, "checkpoint_unusable")
    assert kinds(moved)[-1] == "run_end" and (moved / "report.md").is_file()


def test_an_absolute_checkpoint_path_of_an_earlier_version_is_found_in_a_moved_run_folder(folder: Path):
    write_config(folder, episodes=LONG_EVALUATION)
    old = folder / "runs" / NAME
    stop_when(start(folder, "run", f"{NAME}.toml"), old, "evaluating", signal.SIGINT)
    lines = (old / EVENTS_FILE).read_text().splitlines()
    absolute = [
        json.dumps({**event, "checkpoint": str(old / event["checkpoint"])})
        if event["kind"] == "trained"
        else line
        for line, event in zip(lines, map(json.loads, lines), strict=True)
    ]
    (old / EVENTS_FILE).write_text("\n".join(absolute) + "\n")  # as earlier versions stored it
    moved = folder / "elsewhere" / NAME
    shutil.move(old, moved)

    resumed = rlgpt(folder, "run", "--resume", str(moved))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert events(moved, "training_reused") and not events(moved, "checkpoint_unusable")


def test_ctrl_c_in_bench_stops_the_trial_and_the_same_command_resumes(folder: Path):
    config = write_config(folder, method="pure-rl", timesteps=2048)
    command = ["bench", "--config", str(config), "--methods", "pure-rl", "--seeds", "0,1", "--out", "out"]
    process = start(folder, *command)
    runs = folder / "out" / "runs"
    deadline = time.monotonic() + 180
    while len(list(runs.glob("*/events.jsonl"))) < 2:  # the second trial started: the first finished
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[1][-2000:]
        time.sleep(0.1)
    (second,) = [path.parent for path in runs.glob("*/events.jsonl") if "run_end" not in kinds(path.parent)]
    ended, children = stop_when(process, second, "training", signal.SIGINT)
    assert ended.returncode == 130
    assert_one_line(
        ended.stderr, "interrupted; rerun the same command to resume (finished trials are skipped)"
    )
    assert children and kinds(second)[-1] == "run_interrupted"
    assert_all_gone(children)

    again = rlgpt(folder, *command)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "2 trials: 1 already finished, 1 to run" in again.stderr
    assert kinds(second)[-1] == "run_end"
