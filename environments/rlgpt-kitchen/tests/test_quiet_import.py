"""Building the kitchen prints nothing about other environments of gymnasium-robotics."""

from __future__ import annotations

import subprocess
import sys

BUILD = "from rlgpt_kitchen import make_env; make_env(task='microwave').close(); print('built')"


def test_building_the_kitchen_leaves_out_the_adroit_notice() -> None:
    # a fresh interpreter: gymnasium-robotics prints its notice when first imported
    result = subprocess.run([sys.executable, "-c", BUILD], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "built"
    assert "Adroit" not in result.stderr
