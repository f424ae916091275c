"""A persistent response cache: repeated requests (a resumed run, a rerun) cost nothing.

Responses live in one sqlite file in WAL mode, so several processes (parallel
trials, SB3 subprocess workers) may share it: each operation opens its own
connection with a busy timeout, and an insert is one atomic statement (the
first writer of a key wins; later writers of the same key are ignored).

The key is the sha256 of canonical JSON of the backend, the model, the messages
(role, content and the sha256 of each image), the sampling parameters and the
requested output format.
Request tags are not part of the key: the same question asked from a different
place of a run is the same question.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from rlgpt.llm.types import LLM, Completion, OutputFormat, Request, Usage
from rlgpt.llm.wrapper import LLMWrapper

KEY_VERSION = 2
"""Bumped whenever the key's content changes, so old entries stop matching."""

BUSY_TIMEOUT_S = 60.0
"""How long an operation waits for another process's write lock."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    key TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    model TEXT NOT NULL,
    backend TEXT NOT NULL,
    cost_usd REAL,
    created_at REAL NOT NULL
)
"""


def cache_key(backend: str, model: str, request: Request) -> str:
    """The cache key of ``request`` sent to ``backend``/``model`` (hex sha256; tags excluded)."""
    material = {
        "version": KEY_VERSION,
        "backend": backend,
        "model": model,
        "messages": [
            {
                "role": message.role,
                "content": message.content,
                "images": [
                    {"sha256": hashlib.sha256(image.data).hexdigest(), "media_type": image.media_type}
                    for image in message.images
                ],
            }
            for message in request.messages
        ],
        "params": asdict(request.params),
        "output": _output_material(request.output),
    }
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _output_material(output: OutputFormat | None) -> dict[str, object] | None:
    """The requested output format as plain JSON (``None`` when there is none)."""
    if output is None:
        return None
    return {"kind": output.kind, **asdict(output)}


def storable(text: str) -> str:
    """``text`` with lone surrogates (which UTF-8 and sqlite cannot hold) replaced by U+FFFD."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


@dataclass(frozen=True)
class CacheStats:
    """Lookups this :class:`CachedLLM` object served from the cache (hits) and from its inner LLM."""

    hits: int
    misses: int


class CachedLLM(LLMWrapper):
    """An :class:`~rlgpt.llm.types.LLM` that answers repeated requests from a sqlite file.

    A hit returns the stored :class:`Completion` with ``cached=True`` and
    ``latency_s=0``; its usage (and cost) are those of the original call, so
    token accounting can report both what a run used and what it paid for.

    :param inner: the LLM asked on a miss.
    :param path: the sqlite file; created, with its folder, when missing.
    """

    def __init__(self, inner: LLM, path: Path | str) -> None:
        super().__init__(inner)
        self.path = Path(path)
        if self.path.is_dir():
            raise ValueError(
                f"LLM cache path {self.path} is a directory; give a file such as {self.path / 'llm.sqlite'}"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._hits = 0
        self._misses = 0
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def complete(self, request: Request) -> Completion:
        """Answer from the cache, or ask the inner LLM and store its answer."""
        key = cache_key(self.inner.backend, self.inner.model, request)
        stored = self._lookup(key)
        if stored is not None:
            self._count(hit=True)
            return stored
        completion = self.inner.complete(request)
        completion = replace(completion, text=storable(completion.text))
        self._store(key, completion)
        self._count(hit=False)
        return completion

    def stats(self) -> CacheStats:
        """Hits and misses of this object so far."""
        with self._lock:
            return CacheStats(hits=self._hits, misses=self._misses)

    def _count(self, *, hit: bool) -> None:
        with self._lock:
            if hit:
                self._hits += 1
            else:
                self._misses += 1

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A fresh autocommit connection (one per operation: safe across threads and forks)."""
        with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)) as db:
            yield db

    def _lookup(self, key: str) -> Completion | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT text, prompt_tokens, completion_tokens, model, backend, cost_usd"
                " FROM completions WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        text, prompt_tokens, completion_tokens, model, backend, cost_usd = row
        return Completion(
            text=text,
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens),
            latency_s=0.0,
            model=model,
            backend=backend,
            cached=True,
            cost_usd=cost_usd,
        )

    def _store(self, key: str, completion: Completion) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT OR IGNORE INTO completions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    completion.text,
                    completion.usage.prompt_tokens,
                    completion.usage.completion_tokens,
                    completion.model,
                    completion.backend,
                    completion.cost_usd,
                    time.time(),
                ),
            )
