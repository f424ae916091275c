"""A persistent response cache: repeated requests (a resumed run, a rerun) cost nothing.

Responses live in one sqlite file in WAL mode, by default one per user
(:func:`default_cache_path`), so every run and benchmark on the machine shares it;
several processes (parallel trials, SB3 subprocess workers) may use it at once:
each operation opens its own connection with a busy timeout, and an insert is
one atomic statement (the first writer of a key wins; later writers of the same
key are ignored).

Only reproducible requests are cached: temperature 0, or a positive temperature
with an explicit seed. A backend whose answers are already free and local (the
replay backend) opts out with ``cache_responses = False``.

The key is the sha256 of canonical JSON of the backend, the model, the messages
(role, content and the sha256 of each image), the sampling parameters and the
requested output format (for a code block, the language it allows, so answers made under an
older grammar are not served for a newer one), whether the backend enforced that format or
decoded freely, and the backend's answer identity (the server it talks to, decoding options:
:func:`~rlgpt.llm.types.answer_identity`), so answers of another server or setting are never served.
Request tags are not part of the key: the same question asked from a different
place of a run is the same question.

Where the answers are kept is a :class:`CacheStore`: the sqlite file (:class:`SqliteStore`) unless
the process runs inside :func:`cache_stores`, which gives every :class:`CachedLLM` made meanwhile
another store for its path (the Ray executor's workers use one that keeps the answers in the
driver's file, so a whole cluster asks each request once).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from rlgpt.llm.types import (
    LLM,
    Completion,
    LLMError,
    OutputFormat,
    PythonBlock,
    Request,
    Usage,
    answer_identity,
    constrains,
)
from rlgpt.llm.wrapper import LLMWrapper

CACHE_PATH_ENV = "RLGPT_LLM_CACHE"
"""Environment variable naming the cache file (overrides the per-user default)."""

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
    created_at REAL NOT NULL,
    constraint_kind TEXT
)
"""

_COLUMNS = (
    "key, text, prompt_tokens, completion_tokens, model, backend, cost_usd, created_at, constraint_kind"
)


def default_cache_path() -> Path:
    """``$RLGPT_LLM_CACHE``, else ``$XDG_CACHE_HOME/rlgpt/llm-cache.sqlite`` (``~/.cache`` by default)."""
    if os.environ.get(CACHE_PATH_ENV):
        return Path(os.environ[CACHE_PATH_ENV]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "rlgpt" / "llm-cache.sqlite"


def cacheable(request: Request) -> bool:
    """Whether the answer to ``request`` may be reused: greedy, or sampled with an explicit seed."""
    return request.params.temperature == 0 or request.params.seed is not None


def cache_key(
    backend: str,
    model: str,
    request: Request,
    *,
    identity: Mapping[str, Any] | None = None,
    constrained: bool = True,
) -> str:
    """The cache key of ``request`` sent to ``backend``/``model`` (hex sha256; tags excluded).

    :param identity: the backend's answer identity (see :func:`~rlgpt.llm.types.answer_identity`).
    :param constrained: whether the backend enforces ``request.output`` while decoding.
    """
    material: dict[str, Any] = {
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
    # added only when they apply, so the keys of constrained requests to plain backends stay as they were
    if identity:
        material["identity"] = dict(identity)
    if request.output is not None and not constrained:
        material["unconstrained"] = True
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _output_material(output: OutputFormat | None) -> dict[str, object] | None:
    """The requested output format as plain JSON (``None`` when there is none)."""
    if output is None:
        return None
    material: dict[str, object] = {"kind": output.kind, **asdict(output)}
    if isinstance(output, PythonBlock):
        material["pattern"] = output.pattern()
    return material


def storable(text: str) -> str:
    """``text`` with lone surrogates (which UTF-8 and sqlite cannot hold) replaced by U+FFFD."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


@dataclass(frozen=True)
class CacheStats:
    """Lookups this :class:`CachedLLM` object served from the cache (hits), from its inner LLM
    (misses), and requests it passed on without looking (``uncacheable``: sampled without a seed)."""

    hits: int
    misses: int
    uncacheable: int = 0


class CacheStore(Protocol):
    """Where a :class:`CachedLLM` keeps its answers, by cache key."""

    def get(self, key: str) -> Completion | None:
        """The stored answer (``cached=True``), or ``None``: the caller asks its LLM, then calls
        :meth:`put` or, when the LLM failed, :meth:`release`. A store shared by several processes
        may make a second asker of a key wait here until the first one has put its answer."""
        ...

    def put(self, key: str, completion: Completion) -> None:
        """Keep ``completion`` under ``key`` (the first answer of a key wins)."""
        ...

    def release(self, key: str) -> None:
        """The caller that got ``None`` for ``key`` has no answer: let the next asker try."""
        ...


StoreFactory = Callable[[Path], CacheStore]
"""Makes the store of a cache file path (see :func:`cache_stores`)."""

_store_factory: StoreFactory | None = None


@contextmanager
def cache_stores(factory: StoreFactory) -> Iterator[None]:
    """While active, each :class:`CachedLLM` made in this process keeps its answers in
    ``factory(path)`` instead of the sqlite file at ``path``."""
    global _store_factory
    earlier, _store_factory = _store_factory, factory
    try:
        yield
    finally:
        _store_factory = earlier


class SqliteStore:
    """Answers in one sqlite file (WAL mode), safe to share by the processes of one machine.

    :param path: the sqlite file; created, with its folder, when missing.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise ValueError(
                f"LLM cache path {self.path} is a directory; give a file such as {self.path / 'llm.sqlite'}"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            _add_constraint_column(db)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A fresh autocommit connection (one per operation: safe across threads and forks).

        :raises LLMError: the file is not a usable sqlite database (corrupt, unwritable, disk full).
        """
        try:
            with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)) as db:
                yield db
        except sqlite3.DatabaseError as exc:
            raise LLMError(
                f"LLM response cache {self.path}: {exc}; delete it or run with --no-cache"
            ) from None

    def get(self, key: str) -> Completion | None:
        """The answer stored under ``key``, marked ``cached`` with no latency; ``None`` when none is."""
        with self._connect() as db:
            row = db.execute(
                "SELECT text, prompt_tokens, completion_tokens, model, backend, cost_usd, constraint_kind"
                " FROM completions WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        text, prompt_tokens, completion_tokens, model, backend, cost_usd, constraint_kind = row
        return Completion(
            text=text,
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens),
            latency_s=0.0,
            model=model,
            backend=backend,
            cached=True,
            cost_usd=cost_usd,
            constraint=constraint_kind,
        )

    def put(self, key: str, completion: Completion) -> None:
        """Insert ``completion`` under ``key`` unless another writer stored that key first."""
        with self._connect() as db:
            db.execute(
                f"INSERT OR IGNORE INTO completions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    completion.text,
                    completion.usage.prompt_tokens,
                    completion.usage.completion_tokens,
                    completion.model,
                    completion.backend,
                    completion.cost_usd,
                    time.time(),
                    completion.constraint,
                ),
            )

    def release(self, key: str) -> None:
        """Nothing to do: a sqlite file makes no asker wait."""


class CachedLLM(LLMWrapper):
    """An :class:`~rlgpt.llm.types.LLM` that answers repeated requests from a :class:`CacheStore`.

    A hit returns the stored :class:`Completion` with ``cached=True`` and
    ``latency_s=0``; its usage, cost and constraint are those of the original call, so
    token accounting can report both what a run used and what it paid for.

    :param inner: the LLM asked on a miss.
    :param path: the sqlite file (:class:`SqliteStore`); created, with its folder, when missing.
        Inside :func:`cache_stores` the answers go to the store made for this path instead.
    """

    def __init__(self, inner: LLM, path: Path | str) -> None:
        super().__init__(inner)
        self.path = Path(path)
        self.store: CacheStore = (_store_factory or SqliteStore)(self.path)
        self._counts = {"hits": 0, "misses": 0, "uncacheable": 0}
        self._lock = threading.Lock()

    def complete(self, request: Request) -> Completion:
        """Answer from the cache, or ask the inner LLM and store its answer (reproducible requests only)."""
        if not cacheable(request):
            self._count("uncacheable")
            return self.inner.complete(request)
        key = cache_key(
            self.inner.backend,
            self.inner.model,
            request,
            identity=answer_identity(self.inner),
            constrained=constrains(self.inner, request),
        )
        stored = self.store.get(key)
        if stored is not None:
            self._count("hits")
            return stored
        try:
            completion = self.inner.complete(request)
        except BaseException:
            self.store.release(key)
            raise
        completion = replace(completion, text=storable(completion.text))
        self.store.put(key, completion)
        self._count("misses")
        return completion

    def stats(self) -> CacheStats:
        """Hits, misses and uncacheable requests of this object so far."""
        with self._lock:
            return CacheStats(**self._counts)

    def _count(self, kind: str) -> None:
        with self._lock:
            self._counts[kind] += 1


def _add_constraint_column(db: sqlite3.Connection) -> None:
    """Give a cache file written before answers recorded their constraint its ``constraint_kind`` column."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(completions)")}
    if "constraint_kind" in columns:
        return
    try:
        db.execute("ALTER TABLE completions ADD COLUMN constraint_kind TEXT")
    except sqlite3.OperationalError as error:  # another process added it first
        if "duplicate column" not in str(error):
            raise


@dataclass(frozen=True)
class CacheEntries:
    """How many answers a cache file holds for one backend and model, and their tokens."""

    backend: str
    model: str
    entries: int
    prompt_tokens: int
    completion_tokens: int


def cache_contents(path: Path) -> list[CacheEntries]:
    """What the cache file at ``path`` holds, per backend and model (empty when there is no file)."""
    if not path.is_file():
        return []
    with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)) as db:
        db.execute(_SCHEMA)
        rows = db.execute(
            "SELECT backend, model, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens)"
            " FROM completions GROUP BY backend, model ORDER BY backend, model"
        ).fetchall()
    return [CacheEntries(*row) for row in rows]


def clear_cache(path: Path, backend: str | None = None) -> int:
    """Delete the cached answers (only ``backend``'s when given); returns how many were deleted."""
    if not path.is_file():
        return 0
    with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)) as db:
        db.execute(_SCHEMA)
        if backend is None:
            deleted = db.execute("DELETE FROM completions").rowcount
        else:
            deleted = db.execute("DELETE FROM completions WHERE backend = ?", (backend,)).rowcount
        db.execute("VACUUM")
    return deleted
