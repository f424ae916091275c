"""One LLM response cache for a whole Ray cluster: the driver's sqlite file, served by an actor.

Without it each node would keep its own cache file, and a matrix on N nodes would ask the same
request up to N times. :class:`CacheServer` is a Ray actor on the driver's node holding the
:class:`~rlgpt.llm.cache.SqliteStore` of each cache file the trials name (paths as the driver
sees them); in a worker, :func:`cache_stores` with :class:`RemoteStore` makes every
:class:`~rlgpt.llm.cache.CachedLLM` keep its answers there.

A key is answered once: the first asker of a key that is not stored claims it and asks its
LLM; later askers wait until the answer is put (or the claim is released: the asker's LLM
failed, or its trial ended), then read it. A trial that asks again a key it claimed (a retry of
a killed worker) gets the claim back. A claim older than ``claim_timeout_s`` is given to the
next asker, so a lost worker never blocks the others for good.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rlgpt.llm.cache import SqliteStore
from rlgpt.llm.types import Completion

CLAIM_TIMEOUT_S = 900.0
"""How long askers wait for the claimer of a key before asking their own LLM."""


class CacheServer:
    """The cluster's cache (run as an async Ray actor on the driver's node).

    :param claim_timeout_s: how long a key's claim makes other askers wait.
    """

    def __init__(self, claim_timeout_s: float = CLAIM_TIMEOUT_S) -> None:
        self.claim_timeout_s = claim_timeout_s
        self.stores: dict[str, SqliteStore] = {}
        self.claims: dict[tuple[str, str], tuple[str, asyncio.Event]] = {}

    def _store(self, path: str) -> SqliteStore:
        if path not in self.stores:
            self.stores[path] = SqliteStore(path)
        return self.stores[path]

    async def get(self, path: str, key: str, owner: str) -> Completion | None:
        """The stored answer, waiting while another trial answers ``key``; ``None``: ``owner`` answers it."""
        while True:
            stored = self._store(path).get(key)
            if stored is not None:
                return stored
            claim = self.claims.get((path, key))
            if claim is None or claim[0] == owner:
                self.claims[(path, key)] = (owner, claim[1] if claim else asyncio.Event())
                return None
            try:
                await asyncio.wait_for(claim[1].wait(), self.claim_timeout_s)
            except TimeoutError:
                self._release(path, key)

    def put(self, path: str, key: str, completion: Completion) -> None:
        """Store the answer and wake the askers waiting for it."""
        self._store(path).put(key, completion)
        self._release(path, key)

    def release(self, path: str, key: str) -> None:
        """The claimer has no answer: the next asker claims the key."""
        self._release(path, key)

    def release_owner(self, owner: str) -> None:
        """Release every key ``owner`` (a trial that ended) still claims."""
        for (path, key), (claimer, _) in list(self.claims.items()):
            if claimer == owner:
                self._release(path, key)

    def _release(self, path: str, key: str) -> None:
        claim = self.claims.pop((path, key), None)
        if claim is not None:
            claim[1].set()


class RemoteStore:
    """A :class:`~rlgpt.llm.cache.CacheStore` in a worker, kept by a :class:`CacheServer` actor.

    :param server: the actor's handle.
    :param path: the cache file, as the driver's node sees it.
    :param owner: the trial asking (claims follow it across retries).
    """

    def __init__(self, server: Any, path: Path, owner: str) -> None:
        import ray

        self._ray, self.server, self.path, self.owner = ray, server, str(path), owner

    def get(self, key: str) -> Completion | None:
        """The cluster's answer for ``key`` (``None``: ask the LLM, then :meth:`put`)."""
        return self._ray.get(self.server.get.remote(self.path, key, self.owner))

    def put(self, key: str, completion: Completion) -> None:
        """Keep the answer in the driver's cache file."""
        self._ray.get(self.server.put.remote(self.path, key, completion))

    def release(self, key: str) -> None:
        """Let the next asker of ``key`` answer it."""
        self._ray.get(self.server.release.remote(self.path, key))
