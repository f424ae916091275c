"""The base of LLMs that wrap another one (the cache, the retry policy)."""

from __future__ import annotations

from typing import Any

from rlgpt.llm.types import LLM, answer_identity, output_kinds


class LLMWrapper:
    """Passes the inner LLM's identity through: ``backend``, ``model``, ``supports_images``, ``output_kinds``,
    ``answer_identity``.

    Subclasses implement ``complete`` around ``self.inner.complete``.

    :param inner: the wrapped LLM.
    """

    def __init__(self, inner: LLM) -> None:
        self.inner = inner

    @property
    def backend(self) -> str:
        """Backend id of the inner LLM."""
        return self.inner.backend

    @property
    def model(self) -> str:
        """Model id of the inner LLM."""
        return self.inner.model

    @property
    def supports_images(self) -> bool:
        """Whether the inner LLM accepts images."""
        return self.inner.supports_images

    @property
    def output_kinds(self) -> frozenset[str]:
        """The output formats the inner LLM enforces."""
        return output_kinds(self.inner)

    @property
    def answer_identity(self) -> dict[str, Any]:
        """What besides backend, model and request decides the inner LLM's answers."""
        return answer_identity(self.inner)

    def close(self) -> None:
        """Close the inner LLM (a backend without ``close`` holds nothing to release)."""
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()
