"""Without MineDojo: the plugin loads, ``rlgpt envs`` says why it cannot run, runs are refused in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import rlgpt_minedojo.sim
from rlgpt_minedojo.env import make_env
from rlgpt_minedojo.sim import INSTALL_HINT, availability, minedojo_make
from rlgpt_minedojo.tasks import MINEDOJO_TASKS

# Subprocesses run the command as users do; this sitecustomize hides "minedojo" even where it is installed.
HIDE = (
    "import importlib.util as u; f = u.find_spec; "
    "u.find_spec = lambda n, *a: None if n == 'minedojo' else f(n, *a)"
)


def rlgpt(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the ``rlgpt`` command in ``tmp_path`` with ``minedojo`` hidden from ``find_spec``."""
    (tmp_path / "sitecustomize.py").write_text(HIDE + "\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "COLUMNS": "400", "RLGPT_LOAD_PLUGINS": "minedojo"}
    code = "import sys; from rlgpt.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_availability_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rlgpt_minedojo.sim.importlib.util, "find_spec", lambda name: None)
    assert availability() == f"the Python package 'minedojo' is not installed; {INSTALL_HINT}"
    monkeypatch.setattr(rlgpt_minedojo.sim.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(rlgpt_minedojo.sim.shutil, "which", lambda name: None)
    assert availability() == f"'java' is not on PATH (MineDojo runs Minecraft on JDK 8); {INSTALL_HINT}"
    monkeypatch.setattr(rlgpt_minedojo.sim.shutil, "which", lambda name: "/usr/bin/java")
    assert availability() is None


def test_building_without_minedojo_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rlgpt_minedojo.sim.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match=r"^MineDojo is unavailable: the Python package 'minedojo'"):
        minedojo_make(MINEDOJO_TASKS["harvest_log"], 0, (64, 64))
    env = make_env(task="harvest_log")  # the env itself is cheap: MineDojo starts at the first reset
    with pytest.raises(RuntimeError, match="MineDojo is unavailable"):
        env.reset(seed=0)


def test_envs_lists_minedojo_as_unavailable(tmp_path: Path) -> None:
    result = rlgpt(tmp_path, "envs")
    assert result.returncode == 0, result.stderr
    [row] = [line for line in result.stdout.splitlines() if " minedojo " in line]
    assert "compact, rgb" in row
    assert f"unavailable: the Python package 'minedojo' is not installed; {INSTALL_HINT}" in row


def test_run_is_refused_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "minedojo.toml"
    config.write_text('env = "minedojo"\ntask = "harvest_log"\n')
    result = rlgpt(tmp_path, "run", str(config))
    assert result.returncode == 2
    assert result.stderr == (
        "error: env: environment 'minedojo' is installed but unavailable: the Python package 'minedojo' "
        f"is not installed; {INSTALL_HINT}\n"
    )
    assert result.stdout == ""
    assert {p.name for p in tmp_path.iterdir()} - {"__pycache__"} == {"minedojo.toml", "sitecustomize.py"}
