"""Command-line edges: output piped into ``head``, narrow terminals, malformed ``--set`` values."""

from __future__ import annotations

import subprocess
import sys

from rlgpt.cli import main, plugins_report
from rlgpt.plugins import get_registry

RLGPT = [sys.executable, "-c", "import sys; from rlgpt.cli import main; sys.exit(main())"]


def test_plugins_json_into_head_ends_quietly():
    pipeline = subprocess.run(
        f"{' '.join(repr(a) for a in RLGPT)} plugins --json | true",  # the reader is gone before any output
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in pipeline.stderr and "BrokenPipeError" not in pipeline.stderr


def test_plugins_table_piped_never_cuts_a_name(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    assert main(["plugins"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for plugin in plugins_report(get_registry())["plugins"]:
        header = f"{plugin['name']} ({plugin['distribution']} {plugin['version']})"
        assert header in lines
        for hook in plugin["hooks"]:
            assert any(hook in line for line in lines)
