"""Retry transient LLM failures with exponential backoff and jitter."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from rlgpt.llm.tags import format_tags
from rlgpt.llm.types import LLM, Completion, LLMError, Request, TransientLLMError
from rlgpt.llm.wrapper import LLMWrapper

log = logging.getLogger(__name__)


class RetryingLLM(LLMWrapper):
    """An :class:`~rlgpt.llm.types.LLM` that retries its inner LLM on :class:`TransientLLMError`.

    Before retry ``n`` (1-based) it sleeps a random time in ``[d/2, d]`` with
    ``d = min(max_delay_s, base_delay_s * 2 ** (n - 1))`` ("equal jitter", so
    concurrent clients spread out). When the error carries a ``retry_after_s``
    (a server's ``Retry-After``), it sleeps exactly that long instead.
    Other errors pass through at once. After ``max_attempts`` failures it raises
    :class:`LLMError` naming the backend, model, attempts and the last error.

    :param inner: the LLM to call.
    :param max_attempts: calls per request, the first included (1 means no retry).
    :param base_delay_s: backoff before the first retry, before jitter.
    :param max_delay_s: upper bound of the exponential backoff.
    :param sleep: called with the seconds to wait (inject a recorder in tests).
    :param rng: source of the jitter.
    """

    def __init__(
        self,
        inner: LLM,
        max_attempts: int = 4,
        base_delay_s: float = 1.0,
        max_delay_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1 (1 means no retry), got {max_attempts}")
        if base_delay_s < 0 or max_delay_s < base_delay_s:
            raise ValueError(
                f"need 0 <= base_delay_s <= max_delay_s, got base_delay_s={base_delay_s}, "
                f"max_delay_s={max_delay_s}"
            )
        super().__init__(inner)
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self._sleep = sleep
        self._rng = rng or random.Random()

    def backoff_s(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based), jitter included."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (retry - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def complete(self, request: Request) -> Completion:
        """Answer ``request``, retrying transient failures; raise :class:`LLMError` when giving up."""
        last_error: TransientLLMError | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self.inner.complete(request)
            except TransientLLMError as error:
                last_error = error
                if attempt == self.max_attempts:
                    break
                delay = self._delay_after(error, attempt)
                log.warning(
                    "%s/%s attempt %d/%d failed (%s); retrying in %.1f s",
                    self.backend,
                    self.model,
                    attempt,
                    self.max_attempts,
                    error,
                    delay,
                )
                self._sleep(delay)
        about = f" for {format_tags(request.tags)}" if request.tags else ""
        raise LLMError(
            f"{self.backend} model {self.model!r} failed {self.max_attempts} attempt(s){about}; "
            f"last error: {type(last_error).__name__}: {last_error} "
            "- check the server and credentials, or allow more retries"
        ) from last_error

    def _delay_after(self, error: TransientLLMError, attempt: int) -> float:
        """The server's ``retry_after_s`` when the error carries one, else the backoff."""
        if error.retry_after_s is not None:
            return max(0.0, float(error.retry_after_s))
        return self.backoff_s(attempt)
