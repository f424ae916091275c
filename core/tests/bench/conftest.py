"""Fixtures for the bench tests: a gridcraft base config, replay transcripts and a bench runner."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from rlgpt.bench.runner import main as bench_main

REFERENCE = Path(__file__).parents[1] / "loop" / "gridcraft_build_house.jsonl"


def _entries() -> list[dict]:
    return [json.loads(line) for line in REFERENCE.read_text().splitlines() if line.startswith("{")]


def _write_bench_files(folder: Path, entries: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    transcript = folder / "transcript.jsonl"
    transcript.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    config = folder / "base.toml"
    config.write_text(
        f"""env = "gridcraft"
task = "build_house"
max_iterations = 1

[llm]
backend = "replay"
model = "reference"
options = {{ transcript = {json.dumps(str(transcript))} }}

[learner]
name = "ppo"
hyperparameters = {{ n_steps = 64, batch_size = 64, n_epochs = 1 }}

[evaluation]
episodes = 3

[code]
dry_run_timeout_s = 10
call_timeout_s = 1.0
"""
    )
    return config


def _bench_args(out: Path, **values) -> argparse.Namespace:
    defaults = dict(
        methods=None,
        tasks=None,
        seeds=None,
        llm=None,
        env=None,
        config=None,
        budget=None,
        set=[],
        out=out,
        executor="local",
        retries=1,
        address=None,
        cpus_per_trial=None,
        gpus_per_trial=None,
    )
    return argparse.Namespace(**{**defaults, **values})


def _run_bench(out: Path, **values) -> int:
    return bench_main(_bench_args(out, **values), argv=["rlgpt", "bench", "--out", str(out)])


@pytest.fixture(scope="module", autouse=True)
def bench_plugins_only():
    """Trial processes load only the test environment and the learners (much faster start-up)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RLGPT_LOAD_PLUGINS", "testenv,sb3")
        patch.setenv("OMP_NUM_THREADS", "1")
        yield


@pytest.fixture(scope="session")
def bench_entries() -> list[dict]:
    """Replay answers for gridcraft build_house: the core's reference ones and a pure-code ``build``."""
    return _entries()


@pytest.fixture(scope="session")
def bench_files():
    """``bench_files(folder, entries) -> config path``: a transcript and a small base config using it."""
    return _write_bench_files


@pytest.fixture(scope="session")
def bench_args():
    """``bench_args(out, **values)``: the namespace ``rlgpt bench`` parses, with ``values`` set."""
    return _bench_args


@pytest.fixture(scope="session")
def bench_run():
    """``bench_run(out, **values) -> exit status``; results.md shows a fixed stand-in command line."""
    return _run_bench
