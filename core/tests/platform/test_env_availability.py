"""Environments whose simulator is installed separately: listed with their reason, refused by runs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from rlgpt.cli import main
from rlgpt.config import ConfigError, parse_config, validate_against_registry
from rlgpt.plugins import Registry, get_registry
from rlgpt_example_plugin import SPEC as CORRIDOR

REASON = "the package 'sim' is not installed (pip install sim)"
UNAVAILABLE = replace(CORRIDOR, name="sim", availability=lambda: REASON)


def _registry() -> Registry:
    """The installed plugins, with the environments replaced by the corridor and ``sim``."""
    return replace(get_registry(), environments={"corridor": CORRIDOR, "sim": UNAVAILABLE})


def test_reason_defaults_to_available() -> None:
    assert CORRIDOR.availability is None and CORRIDOR.unavailable_reason() is None
    assert UNAVAILABLE.unavailable_reason() == REASON


def test_validation_refuses_an_unavailable_environment() -> None:
    registry = _registry()
    validate_against_registry(parse_config({"env": "corridor", "task": "reach_end"}), registry)
    with pytest.raises(ConfigError) as caught:
        validate_against_registry(parse_config({"env": "sim", "task": "reach_end"}), registry)
    assert str(caught.value) == f"env: environment 'sim' is installed but unavailable: {REASON}"


def test_cli_lists_status_and_refuses_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setattr("rlgpt.cli.get_registry", _registry)
    monkeypatch.chdir(tmp_path)
    assert main(["envs", "--all"]) == 0  # corridor is a test environment: listed with --all
    out = capsys.readouterr().out
    [corridor] = [line for line in out.splitlines() if " corridor " in line]
    [sim] = [line for line in out.splitlines() if " sim " in line]
    assert "available" in corridor and "unavailable" not in corridor
    assert f"unavailable: {REASON}" in sim

    config = tmp_path / "run.toml"
    config.write_text('env = "sim"\ntask = "reach_end"\n')
    assert main(["run", str(config)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: env: environment 'sim' is installed but unavailable: {REASON}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.toml"]
