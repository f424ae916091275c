"""``LLMBackendContract``: the tests every LLM backend plugin must pass.

Subclass it in your plugin's tests, name the registered backend and say how to
build a client (for a network backend, one pointed at a loopback server your
test starts)::

    from rlgpt.testing.llm_backend import LLMBackendContract

    class TestMyBackend(LLMBackendContract):
        backend_name = "mybackend"

        def make_llm(self):
            return MyLLM("my-model", base_url=self.server_url)

When ``make_llm`` needs other fixtures (a server, ``tmp_path``), override the
``llm`` fixture instead and take them as arguments. The requests these tests
send carry ``request_tags`` (``{"role": "contract"}`` by default), which a
replay-style backend can match on. Every test here can fail; a backend that
cannot pass one marks its override ``pytest.mark.xfail(reason=...)``.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Mapping

import pytest

from rlgpt.llm.types import LLM, Completion, Image, Message, Request, SamplingParams
from rlgpt.plugins import PluginSelection
from rlgpt.specs import LLMBackendSpec
from rlgpt.testing.guard import Contract


def tiny_png() -> bytes:
    """A valid 1x1 red PNG, for image requests."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


class LLMBackendContract(Contract):
    """Base class of an LLM backend's contract tests (pytest collects its ``Test*`` subclasses).

    :cvar backend_name: the name the backend registers under.
    :cvar request_tags: tags put on every request these tests send.
    :cvar plugins: the plugins whose registry the backend is looked up in (default: every
        installed one).
    """

    __contract_kit__ = True
    backend_name: str
    plugins: PluginSelection = PluginSelection()
    request_tags: Mapping[str, str] = {"role": "contract"}

    def make_llm(self) -> LLM:
        """Build the client under test; subclasses override this (or the ``llm`` fixture)."""
        raise NotImplementedError(f"{type(self).__name__} must override make_llm() or the llm fixture")

    @pytest.fixture
    def llm(self) -> LLM:
        """The client under test."""
        return self.make_llm()

    def make_request(self, *messages: Message, max_tokens: int = 64) -> Request:
        """A request of ``messages`` at temperature 0, tagged with :attr:`request_tags`."""
        return Request(
            messages=messages,
            params=SamplingParams(temperature=0.0, max_tokens=max_tokens),
            tags=dict(self.request_tags),
        )

    def check_completion(self, llm: LLM, completion: object) -> None:
        """Assert ``completion`` is a well-formed live answer from ``llm``."""
        assert isinstance(completion, Completion), f"complete() returned {type(completion).__name__}"
        assert isinstance(completion.text, str) and completion.text.strip(), "completion text is empty"
        usage = completion.usage
        for field in ("prompt_tokens", "completion_tokens"):
            count = getattr(usage, field)
            assert isinstance(count, int) and count >= 0, f"usage.{field} = {count!r}; want an int >= 0"
        assert completion.backend == self.backend_name, (
            f"completion.backend = {completion.backend!r}; want {self.backend_name!r}"
        )
        assert isinstance(completion.model, str) and completion.model, "completion.model is empty"
        assert math.isfinite(completion.latency_s) and completion.latency_s >= 0, (
            f"latency_s = {completion.latency_s!r}; want a finite number >= 0"
        )
        assert completion.cached is False, "a backend's own answer must not claim to come from a cache"

    def test_backend_is_registered(self) -> None:
        """The backend is in the plugin registry under ``backend_name``, with a usable spec."""
        backends = self.plugins.registry().llm_backends
        assert self.backend_name in backends, (
            f"LLM backend {self.backend_name!r} is not registered "
            f"(registered: {', '.join(sorted(backends)) or 'none'}); "
            "implement register_llm_backends and declare the module under [project.entry-points.rlgpt]"
        )
        spec = backends[self.backend_name]
        assert isinstance(spec, LLMBackendSpec)
        assert spec.name == self.backend_name
        assert callable(spec.factory), "the spec's factory is not callable"
        assert spec.description.strip(), "the spec's description is empty"
        assert all(isinstance(m, str) and m for m in spec.models), f"bad model ids {spec.models!r}"
        for alias, model in spec.aliases.items():
            assert isinstance(alias, str) and alias and isinstance(model, str) and model, (
                f"bad alias {alias!r} -> {model!r}"
            )

    def test_llm_satisfies_protocol(self, llm: LLM) -> None:
        """The client has ``backend``, ``model``, ``supports_images`` and ``complete``."""
        assert isinstance(llm, LLM), f"{type(llm).__name__} does not implement rlgpt.LLM"
        assert llm.backend == self.backend_name, f"llm.backend = {llm.backend!r}; want {self.backend_name!r}"
        assert isinstance(llm.model, str) and llm.model, "llm.model is empty"
        assert isinstance(llm.supports_images, bool), "llm.supports_images must be a bool"

    def test_close_is_idempotent(self, llm: LLM) -> None:
        """The client has ``close()``, which releases what it holds and may be called again."""
        close = getattr(llm, "close", None)
        assert callable(close), (
            f"{type(llm).__name__} has no close(): add one that releases connections, launched "
            "servers or model weights (an empty one where there is nothing to release)"
        )
        close()
        close()

    def test_complete_returns_completion(self, llm: LLM) -> None:
        """A one-message request gets a non-empty answer with usage, backend, model and latency."""
        completion = llm.complete(self.make_request(Message("user", "Say hello in one word.")))
        self.check_completion(llm, completion)

    def test_system_and_user_conversation(self, llm: LLM) -> None:
        """A system message followed by a user message is accepted."""
        completion = llm.complete(
            self.make_request(
                Message("system", "You answer with a single word."),
                Message("user", "Name a colour."),
            )
        )
        self.check_completion(llm, completion)

    def test_multi_turn_conversation(self, llm: LLM) -> None:
        """Earlier assistant turns are accepted (agents send a fix request after an answer)."""
        completion = llm.complete(
            self.make_request(
                Message("system", "You answer with a single word."),
                Message("user", "Name a colour."),
                Message("assistant", "Blue."),
                Message("user", "Name another one."),
            )
        )
        self.check_completion(llm, completion)

    def test_repeated_calls(self, llm: LLM) -> None:
        """The same client answers several requests in a row."""
        for word in ("one", "two", "three"):
            self.check_completion(llm, llm.complete(self.make_request(Message("user", f"Repeat: {word}"))))

    def test_image_message_when_supported(self, llm: LLM) -> None:
        """A backend claiming ``supports_images`` answers a message carrying a PNG."""
        if not llm.supports_images:
            pytest.skip(f"{self.backend_name} does not claim image support")
        image = Image(data=tiny_png(), media_type="image/png")
        message = Message("user", "What colour is this image?", images=(image,))
        completion = llm.complete(self.make_request(message))
        self.check_completion(llm, completion)
