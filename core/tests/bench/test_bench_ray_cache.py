"""The cluster's LLM cache server on its own (no Ray): one asker per key, the others wait for its answer."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rlgpt.bench.ray_cache import CacheServer
from rlgpt.llm import Completion, Usage
from rlgpt.llm.cache import cache_contents

ANSWER = Completion("plan", Usage(5, 2), 1.0, "tiny", "counting")


def test_a_second_asker_waits_for_the_first_answer(tmp_path: Path):
    path = str(tmp_path / "cache.sqlite")

    async def scenario() -> tuple:
        server = CacheServer()
        first = await server.get(path, "key", "trial-a")
        waiting = asyncio.create_task(server.get(path, "key", "trial-b"))
        await asyncio.sleep(0.05)
        assert not waiting.done()  # trial-a is asking its LLM
        server.put(path, "key", ANSWER)
        return first, await asyncio.wait_for(waiting, 5)

    first, second = asyncio.run(scenario())
    assert first is None  # trial-a asks its LLM
    assert second.text == "plan" and second.cached
    assert [entry.entries for entry in cache_contents(Path(path))] == [1]


def test_a_failed_or_ended_asker_hands_the_key_on(tmp_path: Path):
    path = str(tmp_path / "cache.sqlite")

    async def scenario() -> list:
        server = CacheServer()
        got = [await server.get(path, "key", "trial-a")]
        waiting = asyncio.create_task(server.get(path, "key", "trial-b"))
        await asyncio.sleep(0.05)
        server.release(path, "key")  # trial-a's LLM failed
        got.append(await asyncio.wait_for(waiting, 5))  # trial-b asks its own
        got.append(await server.get(path, "key", "trial-b"))  # a retry of trial-b asks again
        waiting = asyncio.create_task(server.get(path, "key", "trial-c"))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        server.release_owner("trial-b")  # trial-b ended without an answer
        got.append(await asyncio.wait_for(waiting, 5))
        return got

    assert asyncio.run(scenario()) == [None, None, None, None]


def test_a_stale_claim_times_out(tmp_path: Path):
    path = str(tmp_path / "cache.sqlite")

    async def scenario() -> Completion | None:
        server = CacheServer(claim_timeout_s=0.1)
        await server.get(path, "key", "lost-worker")
        return await asyncio.wait_for(server.get(path, "key", "trial-b"), 5)

    assert asyncio.run(scenario()) is None
