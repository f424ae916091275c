"""``rlgpt bench``: the comparison matrix (methods x tasks x seeds x LLMs).

Modules: :mod:`~rlgpt.bench.matrix` (the trials and their ids), :mod:`~rlgpt.bench.trial`
(one trial, in-process or as a worker process), :mod:`~rlgpt.bench.executors` (local, ray) and
:mod:`~rlgpt.bench.ray_executor` (trials as Ray tasks),
:mod:`~rlgpt.bench.tables` and :mod:`~rlgpt.bench.plots` (the outputs) and
:mod:`~rlgpt.bench.runner` (the command itself).
"""

from __future__ import annotations

import argparse


def main(args: argparse.Namespace) -> int:
    """Run the matrix described by the ``rlgpt bench`` arguments; see :func:`rlgpt.bench.runner.main`."""
    from rlgpt.bench.runner import main as run

    return run(args)
