"""Build a ready LLM from a registered backend: aliases, options, retries and the cache."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rlgpt._imports import keyword_names, unknown_keyword
from rlgpt.llm.cache import CachedLLM
from rlgpt.llm.retry import RetryingLLM
from rlgpt.llm.types import LLM
from rlgpt.specs import LLMBackendSpec


def build_llm(
    spec: LLMBackendSpec,
    model: str,
    options: Mapping[str, Any],
    *,
    cache_path: Path | None,
    retries: int = 4,
) -> LLM:
    """Build ``spec``'s client for ``model`` and wrap it for use in a run.

    :param spec: the registered backend.
    :param model: a model id or one of ``spec.aliases``.
    :param options: keyword options for the backend's factory (endpoint, transcript, ...);
        an unknown option is an error naming the accepted ones.
    :param cache_path: sqlite response cache file, or ``None`` for no cache.
    :param retries: attempts per request, the first included (1 means no retry).
    :returns: the client wrapped in :class:`RetryingLLM`, itself wrapped in :class:`CachedLLM`
        when ``cache_path`` is given (outermost, so a cache hit never waits on a retry) and the
        client does not opt out (``cache_responses = False``, as the replay backend does).
    """
    if retries < 1:
        raise ValueError(f"retries must be at least 1 (attempts per request, 1 = no retry), got {retries}")
    check_options(spec, options)
    resolved = spec.aliases.get(model, model)
    llm = spec.factory(resolved, **options)
    if not isinstance(llm, LLM):
        raise TypeError(
            f"the factory of LLM backend {spec.name!r} returned {type(llm).__name__}, which lacks "
            "backend, model, supports_images or complete(); it must return an rlgpt.LLM"
        )
    wrapped: LLM = RetryingLLM(llm, max_attempts=retries)
    if cache_path is not None and getattr(llm, "cache_responses", True):
        wrapped = CachedLLM(wrapped, cache_path)
    return wrapped


def check_options(spec: LLMBackendSpec, options: Mapping[str, Any]) -> None:
    """Reject options ``spec``'s factory does not take (``ValueError`` with a did-you-mean hint)."""
    if "model" in options:
        raise ValueError(f"LLM backend {spec.name!r}: give the model as the model setting, not as an option")
    accepted = keyword_names(spec.factory)
    if accepted is None:
        return
    accepted = [name for name in accepted if name != "model"]
    for name in options:
        if name not in accepted:
            raise ValueError(unknown_keyword(f"LLM backend {spec.name!r}", name, accepted))
