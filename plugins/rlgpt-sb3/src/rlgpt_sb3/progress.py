"""Progress reporting for ``learn``: an optional tqdm bar plus the caller's callback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rlgpt import ProgressCallback
from tqdm.auto import tqdm


@contextmanager
def progress_reporter(
    total: int, *, bar: bool, on_progress: ProgressCallback | None, label: str
) -> Iterator[ProgressCallback | None]:
    """Yield one callback that advances a tqdm bar (when ``bar``) and calls ``on_progress``.

    Yields ``None`` when there is nothing to report to; the bar is closed on exit.
    """
    if not bar:
        yield on_progress
        return
    with tqdm(total=total, desc=label, unit="step", dynamic_ncols=True) as pbar:

        def report(done: int, total_steps: int) -> None:
            pbar.update(done - pbar.n)
            if on_progress is not None:
                on_progress(done, total_steps)

        yield report
