"""The reports read what the controls wrote without importing the module that evaluates them, so
that module can import the reports (no circle of imports, not even a lazy one)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("report", ["analysis", "quality", "llm_analysis"])
def test_a_report_does_not_import_the_controls_evaluator(report: str) -> None:
    script = f"import sys, rlgpt.bench.{report}; sys.exit('rlgpt.bench.controls' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr or f"rlgpt.bench.{report} imported rlgpt.bench.controls"


def test_names_that_moved_to_control_records_are_still_importable_from_controls() -> None:
    from rlgpt.bench import control_records, controls

    for name in ("CONTROLS_DIR", "control_label", "load_controls", "with_local_run_dir"):
        assert getattr(controls, name) is getattr(control_records, name)
