"""The ``rlgpt`` command: listings, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rlgpt.cli import build_parser, main
from rlgpt.runs import RunDirectory


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every installed plugin, and wide tables (rich sizes them to COLUMNS when not on a terminal)."""
    monkeypatch.delenv("RLGPT_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("RLGPT_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.setenv("COLUMNS", "200")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plugins_json_lists_builtins_and_entry_points(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "plugins", "--json")
    assert code == 0
    report = json.loads(out)
    by_name = {p["name"]: p for p in report["plugins"]}
    assert by_name["rlgpt.llm.replay"]["builtin"] is True
    assert by_name["rlgpt.llm.replay"]["registers"]["llm_backends"] == ["replay"]
    example = by_name["example"]
    assert (example["distribution"], example["version"]) == ("rlgpt-example-plugin", "0.1.0")
    assert example["hooks"] == ["register_environments"]


def test_plugins_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "plugins")
    assert code == 0 and "rlgpt-example-plugin" in out and "environment: corridor" in out


def test_envs_and_tasks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "envs", "--all")
    assert code == 0 and "corridor" in out and "onehot, index" in out
    code, out, _ = run_cli(capsys, "tasks", "corridor")
    assert code == 0
    assert "reach_end" in out and "32" in out and "Walk to the last cell" in out


def test_tasks_print_the_description_every_task_shares_once(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("rlgpt_crafter")
    code, out, _ = run_cli(capsys, "tasks", "crafter")
    assert code == 0
    assert out.startswith("Every task of crafter says: You play Crafter, a 2-D Minecraft-like world")
    assert out.count("You play Crafter") == 1 and out.count("Minecraft-like") == 1
    assert "collect_diamond" in out and "Collect a diamond in Crafter" in out  # each task's own words stay


def test_test_environments_are_listed_only_with_all(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "envs")
    assert code == 0 and "rlgpt environments" in out
    assert not {"corridor", "gridcraft", "reach"} & set(out.split())
    assert "test environments not shown: rlgpt envs --all" in out
    code, out, _ = run_cli(capsys, "envs", "--all")
    assert code == 0 and {"corridor", "gridcraft", "reach"} <= set(out.split())


def test_unknown_env_is_one_line_suggesting_no_test_environment(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "tasks", "corridr")
    assert code == 2 and out == ""
    [line] = [line for line in err.splitlines() if line.startswith("error:")]
    assert line.startswith("error: unknown environment 'corridr' (installed: ")
    assert "corridor" not in line and "gridcraft" not in line and "did you mean" not in line
    assert "Traceback" not in err


def test_run_reports_config_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    code, _, err = run_cli(capsys, "run", str(missing))
    assert code == 2
    assert err.strip() == f"error: {missing}: no such config file (see examples/ for runnable configs)"

    config = tmp_path / "run.toml"
    config.write_text('env = "corridor"\ntask = "reach_ned"\n')
    code, _, err = run_cli(capsys, "run", str(config), "--set", "learner.total_timesteps=100")
    assert code == 2
    assert err.splitlines()[-1] == (
        "error: task: unknown task 'reach_ned' (tasks of 'corridor': reach_end, reach_middle)"
        " - did you mean 'reach_end'?"
    )
    code, _, err = run_cli(capsys, "run", str(config), "--set", "learner.total_timesteps=-1")
    assert code == 2 and err.strip() == f"error: {config}: learner.total_timesteps: must be >= 1, got -1"


def test_run_argument_combinations(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "run")
    assert code == 2 and "give a CONFIG file" in err
    code, _, err = run_cli(capsys, "run", "x.toml", "--resume", str(tmp_path))
    assert code == 2 and "takes no CONFIG or --set" in err
    code, _, err = run_cli(capsys, "run", "--resume", str(tmp_path))
    assert code == 2 and err.strip() == f"error: {tmp_path}: not a run directory (no config.json)"


def test_report_needs_a_run_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "report", str(tmp_path / "nope"))
    assert code == 2 and err.strip() == f"error: {tmp_path / 'nope'}: no such run directory"


def test_bench_arguments_are_parsed_here() -> None:
    args = build_parser().parse_args(
        ["bench", "--methods", "rl-gpt,pure-rl", "--tasks", "reach_end", "--seeds", "0,1,2",
         "--llm", "replay:reference", "--env", "corridor", "--budget", "5000", "--executor", "ray"]
    )
    assert args.methods == ["rl-gpt", "pure-rl"] and args.seeds == [0, 1, 2]
    assert args.llm == ["replay:reference"] and args.budget == 5000 and args.executor == "ray"
    assert args.out == Path("benchmarks/results") and args.config is None


def test_bench_rejects_bad_seeds(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        build_parser().parse_args(["bench", "--seeds", "0,one"])
    assert excinfo.value.code == 2
    assert "expected comma-separated integers (e.g. 0,1,2), got '0,one'" in capsys.readouterr().err


PURE_RL = """
env = "gridcraft"
task = "collect_wood"
method = "pure-rl"
runs_dir = "runs"
max_iterations = 1

[llm]
options = { transcript = "empty.jsonl" }

[learner]
total_timesteps = 256
hyperparameters = { n_steps = 128 }

[evaluation]
episodes = 2
"""


@pytest.fixture
def rlgpt(tmp_path: Path):
    """Run the installed ``rlgpt`` command in ``tmp_path`` with gridcraft and the SB3 learners."""
    (tmp_path / "run.toml").write_text(PURE_RL)
    (tmp_path / "empty.jsonl").write_text("")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "RLGPT_LOAD_PLUGINS": "testenv,sb3"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [str(Path(sys.executable).with_name("rlgpt")), *args]
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)

    return run


def test_run_report_and_resume_through_the_command(rlgpt, tmp_path: Path) -> None:
    started = rlgpt("run", "run.toml", "--set", "seed=7")
    assert started.returncode == 0, started.stderr
    [run_dir] = (tmp_path / "runs").iterdir()
    run = RunDirectory.open(run_dir)
    assert run.config["seed"] == 7 and run.config["method"] == "pure-rl"
    kinds = [event["kind"] for event in run.read_events()]
    assert kinds[0] == "run_start" and kinds[-1] == "run_end"

    reported = rlgpt("report", str(run_dir))
    assert reported.returncode == 0, reported.stderr
    assert reported.stdout.strip() == str(run_dir / "report.md")

    resumed = rlgpt("run", "--resume", str(run_dir))
    assert resumed.returncode == 0, resumed.stderr
    assert [e["kind"] for e in run.read_events()][: len(kinds)] == kinds


def test_a_bad_transcript_is_one_line(rlgpt, tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text("this is not json\n")
    result = rlgpt("run", "run.toml", "--set", "method=rl-gpt", "--set", "llm.options.transcript=bad.jsonl")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "bad.jsonl" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_bench_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "bench", "--out", str(tmp_path))
    assert code == 2
    assert err.splitlines()[-1].startswith("error: bench: give --env ENV (installed: ")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["--version"])
    assert excinfo.value.code == 0 and capsys.readouterr().out.strip() == "rlgpt 0.1.0"
