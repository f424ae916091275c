"""Success rate of the test suite's skill-API programs (collect wood, place table, wood pickaxe).

Run: ``OMP_NUM_THREADS=1 python environments/rlgpt-crafter/benchmarks/scripted_success.py [seeds]``.
Each program runs from ``seeds`` seeded resets (default 10) within its task's budget.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path

PROGRAMS_FILE = Path(__file__).resolve().parents[1] / "tests" / "test_skills.py"


def load_programs():
    """Import the programs module of the tests (``PROGRAMS`` and ``run_program``) by path."""
    spec = importlib.util.spec_from_file_location("crafter_skill_programs", PROGRAMS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(seeds: int) -> None:
    """Print each program's success rate and the steps it took."""
    programs = load_programs()
    print(f"{'task':<20}{'success':>10}{'median steps':>14}{'max steps':>11}")
    for task in programs.PROGRAMS:
        books = [programs.run_program(task, seed) for seed in range(seeds)]
        wins = sum(bool(b.info["is_success"]) for b in books)
        steps = [b.steps for b in books]
        print(f"{task:<20}{wins:>6}/{seeds:<3}{statistics.median(steps):>14.0f}{max(steps):>11}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
