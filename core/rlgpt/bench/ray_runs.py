"""Trial run directories between the Ray workers and the driver's ``--out``, while trials run.

:class:`RunStore` is a Ray actor on the driver's node that owns ``<out>/runs``. A worker asks
it for its trial's earlier run directory when it starts (only that one, only then), and
:class:`RunSync` sends the run directory back after each finished iteration and at the end;
so a retried trial, on any node, resumes after the last iteration that was synced. The paths
recorded in a run directory (config, events, reports) are rewritten each way, to where it is.

Each worker runs its trial in a scratch folder it registers with the store and removes when
the trial ends. A worker that was killed cannot: when its trial ends (finished or failed) or
the command is interrupted, the driver removes what such workers left with
:func:`remove_scratch`, one small task on each of their nodes.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rlgpt.runs import CONFIG_FILE, atomic_write_bytes

TEXT_RECORDS = (".json", ".jsonl", ".md")
"""The files of a run directory that may record its absolute path."""
SCRATCH_REMOVAL_WAIT_S = 60.0
"""How long the driver waits for the scratch folders of killed workers to be removed."""


class RunStore:
    """The driver's ``runs`` folder, for the workers (run as a Ray actor on the driver's node).

    :param runs: ``<out>/runs`` on the driver.
    """

    def __init__(self, runs: str) -> None:
        self.runs = Path(runs)
        self.scratch: dict[str, set[tuple[str, str]]] = {}

    def fetch(self, trial_id: str) -> tuple[bytes, str] | None:
        """The trial's run directory, packed, and the ``runs`` path it records; ``None`` when it has none."""
        path = self.runs / trial_id
        return (pack_directory(path), str(self.runs)) if (path / CONFIG_FILE).is_file() else None

    def save(self, trial_id: str, archive: bytes, worker_runs: str) -> None:
        """Replace ``runs/<trial_id>`` by a worker's run directory, its paths moved here."""
        target = self.runs / trial_id
        self.runs.mkdir(parents=True, exist_ok=True)
        incoming = Path(tempfile.mkdtemp(prefix=f".{trial_id}.", dir=self.runs))
        try:
            unpack_directory(archive, incoming)
            relocate_paths(incoming, worker_runs, str(self.runs))
            if target.exists():
                shutil.rmtree(target)
            incoming.rename(target)
        finally:
            shutil.rmtree(incoming, ignore_errors=True)

    def add_scratch(self, trial_id: str, node_id: str, path: str) -> None:
        """A worker of ``trial_id`` runs in the folder ``path`` of node ``node_id``."""
        self.scratch.setdefault(trial_id, set()).add((node_id, path))

    def drop_scratch(self, trial_id: str, node_id: str, path: str) -> None:
        """The worker removed its scratch folder itself."""
        self.scratch.get(trial_id, set()).discard((node_id, path))

    def take_scratch(self, trial_ids: Iterable[str]) -> list[tuple[str, str]]:
        """The (node, folder) pairs the workers of these trials left, forgotten here."""
        return sorted(pair for trial_id in trial_ids for pair in self.scratch.pop(trial_id, set()))


class RunSync:
    """A loop observer in a worker: sends the run directory to the :class:`RunStore` after each iteration.

    :param store: the store actor's handle.
    :param trial_id: the trial, and the run directory's name.
    :param runs: the worker's ``runs`` folder.
    """

    def __init__(self, store: Any, trial_id: str, runs: Path) -> None:
        self.store, self.trial_id, self.runs = store, trial_id, runs

    def on_iteration_end(self, run: Any, record: Any) -> None:
        """Loop observer hook: the iteration is in the run directory, so send it."""
        self.send()

    def send(self) -> None:
        """Send the run directory as it is now (nothing when the trial made none) and wait until stored."""
        import ray

        path = self.runs / self.trial_id
        if path.is_dir():
            ray.get(self.store.save.remote(self.trial_id, pack_directory(path), str(self.runs)))


def remove_folder(path: str) -> None:
    """The body of a cleanup task: remove ``path`` on the node it runs on."""
    shutil.rmtree(path, ignore_errors=True)


def remove_scratch(ray: Any, folders: Iterable[tuple[str, str]]) -> None:
    """Remove each (node, folder) left by a killed worker, with a task pinned to its node.

    A folder whose node is gone or does not answer within :data:`SCRATCH_REMOVAL_WAIT_S` is left.
    """
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    task = ray.remote(num_cpus=0, max_retries=0)(remove_folder)
    refs = [
        task.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False)).remote(path)
        for node_id, path in folders
    ]
    if refs:
        _, late = ray.wait(refs, num_returns=len(refs), timeout=SCRATCH_REMOVAL_WAIT_S)
        for ref in late:
            ray.cancel(ref, force=True)


def relocate_paths(run_path: Path, old: str, new: str) -> None:
    """Rewrite ``old`` (where the run was made) as ``new`` in the run's config, events and reports."""
    for path in sorted(run_path.rglob("*")):
        if path.suffix in TEXT_RECORDS and path.is_file():
            text = path.read_text(encoding="utf-8")
            if old in text:
                atomic_write_bytes(path, text.replace(old, new).encode("utf-8"))


def pack_directory(path: Path) -> bytes:
    """``path`` and everything in it as ``tar.gz`` bytes (entries relative to ``path``)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(path, arcname=".")
    return buffer.getvalue()


def unpack_directory(data: bytes, path: Path) -> None:
    """Extract :func:`pack_directory` bytes into ``path`` (made if missing); no entry may leave it."""
    path.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        archive.extractall(path, filter="data")
