"""Experiment tracking: a run's numbers as TensorBoard event files, and in Weights & Biases.

Both are opt-in (``logging.tensorboard``, ``logging.wandb``) and need an extra
(``pip install 'rlgpt[tensorboard]'``, ``'rlgpt[wandb]'``). Everything goes under the run
folder's ``tensorboard/``: ``loop/`` holds the loop's numbers, one point per iteration;
``iter-<i>/<sub-task>/`` the learner's own training scalars (a learner whose spec sets
``logs_tensorboard``, such as stable-baselines3's). Weights & Biases syncs those event files
into one W&B run kept in the run folder's ``wandb/``: offline unless an API key is set up.
"""

from __future__ import annotations

import importlib.util
import netrc
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from rich.console import Console

if TYPE_CHECKING:
    from rlgpt.config import LoggingConfig
    from rlgpt.metrics import IterationRecord
    from rlgpt.runs import RunDirectory
    from rlgpt.specs import LearnerSpec

TENSORBOARD_DIR = "tensorboard"
"""Folder of a run that holds its TensorBoard event files."""
LOOP_DIR = "loop"
"""Sub-folder of :data:`TENSORBOARD_DIR` with the loop's own numbers."""
PACKAGES = {"tensorboard": ("tensorboard",), "wandb": ("wandb", "tensorboard")}
"""``logging`` key -> the packages it needs (W&B syncs the TensorBoard event files); each key is an extra."""
WANDB_DEFAULT_HOST = "https://api.wandb.ai"


def missing_packages(logging: LoggingConfig) -> str | None:
    """One line naming the extra to install when a chosen tracker's package is missing, else ``None``."""
    for key, packages in PACKAGES.items():
        if not getattr(logging, key):
            continue
        missing = [package for package in packages if importlib.util.find_spec(package) is None]
        if missing:
            return (
                f"logging.{key} = true needs the {' and '.join(missing)} package: "
                f"pip install 'rlgpt[{key}]' (in this repository: .venv/bin/pip install -e '.[{key}]')"
            )
    return None


def iteration_scalars(record: IterationRecord) -> dict[str, float]:
    """The numbers of one finished iteration, by TensorBoard tag; training success (episodes that
    reported ``is_success``) overall and per RL sub-task when there is any."""
    low, high = record.interval
    scalars = {
        "iteration/success_rate": record.success_rate,
        "iteration/success_ci_low": low,
        "iteration/success_ci_high": high,
        "iteration/tokens": float(record.llm.tokens),
        "iteration/llm_calls": float(record.llm.calls),
        "iteration/code_rejections": float(sum(record.code_rejections.values())),
        "iteration/dead_loop": float(record.dead_loop),
        "iteration/repeated": float(record.repeated),
        "iteration/env_steps": float(sum(record.env_steps.values())),
        "iteration/wall_time_s": record.wall_time_s,
    }
    if record.train_success_rate is not None:
        scalars["iteration/training_success"] = record.train_success_rate
    for subtask, episodes in record.train_episodes.items():
        scalars[f"subtask_training_success/{subtask}"] = record.train_successes[subtask] / episodes
    return scalars


def wandb_mode(environ: Mapping[str, str] | None = None) -> str:
    """``WANDB_MODE`` when set; else ``"online"`` with an API key (``WANDB_API_KEY``, or the
    ``~/.netrc`` entry ``wandb login`` writes), else ``"offline"``."""
    environ = os.environ if environ is None else environ
    if environ.get("WANDB_MODE"):
        return environ["WANDB_MODE"]
    if environ.get("WANDB_API_KEY"):
        return "online"
    host = urlparse(environ.get("WANDB_BASE_URL") or WANDB_DEFAULT_HOST).hostname or ""
    try:
        logged_in = netrc.netrc().authenticators(host) is not None
    except (OSError, netrc.NetrcParseError):
        logged_in = False
    return "online" if logged_in else "offline"


class ScalarWriter:
    """Appends scalars to a TensorBoard event file in ``folder`` (the ``tensorboard`` package alone)."""

    def __init__(self, folder: Path) -> None:
        # looked up on the module at each start, so that W&B's patch of the writer sees it
        from tensorboard.summary.writer import event_file_writer

        folder.mkdir(parents=True, exist_ok=True)
        self._writer = event_file_writer.EventFileWriter(str(folder))

    def add(self, scalars: Mapping[str, float], step: int) -> None:
        """Write ``scalars`` (tag -> value) at ``step`` and flush them to disk."""
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.compat.proto.summary_pb2 import Summary

        values = [Summary.Value(tag=tag, simple_value=float(value)) for tag, value in scalars.items()]
        self._writer.add_event(Event(wall_time=time.time(), step=step, summary=Summary(value=values)))
        self._writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self._writer.close()


class Tracker:
    """The observer that writes a run's numbers to TensorBoard, and through its files to W&B.

    :param logging: the run's ``[logging]`` settings.
    :param config: the run's configuration, for the W&B run's config.
    :param console: where it says that W&B logs offline.
    """

    def __init__(self, logging: LoggingConfig, config: Mapping[str, Any], console: Console) -> None:
        self.logging = logging
        self.config = dict(config)
        self.console = console
        self.root: Path | None = None
        self._writer: ScalarWriter | None = None
        self._wandb: Any = None

    @property
    def enabled(self) -> bool:
        """Whether any tracker is on (W&B needs the TensorBoard files too)."""
        return self.logging.tensorboard or self.logging.wandb

    def learner_options(self, spec: LearnerSpec, iteration: int, subtask: str) -> dict[str, Any]:
        """Factory keywords that make a learner log its training scalars for one sub-task (or none)."""
        if self.root is None or not spec.logs_tensorboard:
            return {}
        return {"tensorboard_log": str(self.root / f"iter-{iteration}" / subtask)}

    def on_run_start(self, run: RunDirectory) -> None:
        """Open the loop's event file (and the W&B run) in the run folder."""
        if not self.enabled:
            return
        self.close()
        self.root = run.path / TENSORBOARD_DIR
        self.root.mkdir(parents=True, exist_ok=True)
        if self.logging.wandb:
            self._wandb = self._start_wandb(run.path)
        self._writer = ScalarWriter(self.root / LOOP_DIR)

    def on_iteration_end(self, run: RunDirectory, record: IterationRecord) -> None:
        """The iteration's numbers, at step ``iteration``."""
        if self._writer is not None:
            self._writer.add(iteration_scalars(record), step=record.iteration)

    def close(self) -> None:
        """Close the event file and finish the W&B run (the loop does when the run stops, for any
        reason); calling it again does nothing."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._wandb is not None:
            import wandb

            self._wandb.finish()
            wandb.tensorboard.unpatch()
            self._wandb = None

    def _start_wandb(self, folder: Path) -> Any:
        import wandb

        mode = wandb_mode()
        if mode == "offline":
            self.console.print(
                f"wandb: no API key, logging offline into {folder / 'wandb'} (upload it with: wandb sync)",
                soft_wrap=True,
            )
        wandb.tensorboard.unpatch()  # a run of this process that ended on an error left it patched
        wandb.tensorboard.patch(root_logdir=str(self.root))
        return wandb.init(
            project=self.logging.wandb_project,
            name=folder.name,
            dir=str(folder),
            config=self.config,
            mode=mode,
            reinit="finish_previous",
            settings=wandb.Settings(silent=True, console="off", save_code=False),
        )
