"""Every LLMBackendContract test fails against a backend that breaks what it checks."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from rlgpt.llm import LLMError, ReplayLLM, Request, Usage
from rlgpt.testing.guard import ContractOverrideError
from rlgpt.testing.llm_backend import LLMBackendContract

TRANSCRIPT = Path(__file__).parent / "data" / "contract.jsonl"


class ReplayContract(LLMBackendContract):
    backend_name = "replay"


class Broken(ReplayLLM):
    """A replay backend whose answers are rewritten, or which refuses some requests."""

    def __init__(
        self, refuse: Callable[[Request, int], bool] = lambda r, n: False, **changes: object
    ) -> None:
        super().__init__(transcript=TRANSCRIPT)
        self.refuse = refuse
        self.changes = changes
        self.calls = 0

    def complete(self, request: Request):
        self.calls += 1
        if self.refuse(request, self.calls):
            raise LLMError("refused")
        return replace(super().complete(request), **self.changes)


def has_role(role: str) -> Callable[[Request, int], bool]:
    return lambda request, _: any(m.role == role for m in request.messages)


class Unnamed(Broken):
    backend = "somebody-else"


class ClosesOnce(Broken):
    """A backend whose second close fails, as a double-freed client would."""

    closed = False

    def close(self) -> None:
        if self.closed:
            raise LLMError("already closed")
        self.closed = True


BREAKERS: dict[str, Callable[[], object]] = {
    "test_llm_satisfies_protocol": Unnamed,
    "test_close_is_idempotent": ClosesOnce,
    "test_complete_returns_completion": lambda: Broken(text="  "),
    "test_system_and_user_conversation": lambda: Broken(refuse=has_role("system")),
    "test_multi_turn_conversation": lambda: Broken(refuse=has_role("assistant")),
    "test_repeated_calls": lambda: Broken(refuse=lambda _, calls: calls > 1),
    "test_image_message_when_supported": lambda: Broken(
        refuse=lambda r, _: any(m.images for m in r.messages)
    ),
}


def test_every_contract_test_has_a_breaking_backend() -> None:
    tests = {name for name in dir(LLMBackendContract) if name.startswith("test_")}
    assert tests == {*BREAKERS, "test_backend_is_registered"}


@pytest.mark.parametrize("name", sorted(BREAKERS))
def test_contract_test_fails_on_a_broken_backend(name: str) -> None:
    contract = ReplayContract()
    getattr(contract, name)(ReplayLLM(transcript=TRANSCRIPT))  # passes on the real backend
    with pytest.raises((AssertionError, LLMError)):
        getattr(contract, name)(BREAKERS[name]())


def test_registration_test_fails_for_an_unregistered_name() -> None:
    contract = ReplayContract()
    contract.backend_name = "no-such-backend"
    with pytest.raises(AssertionError, match="'no-such-backend' is not registered"):
        contract.test_backend_is_registered()


@pytest.mark.parametrize(
    "changes",
    [
        {"usage": Usage(prompt_tokens=-1)},
        {"usage": Usage(completion_tokens=2.5)},
        {"backend": "openai"},
        {"model": ""},
        {"latency_s": -0.1},
        {"latency_s": math.nan},
        {"cached": True},
    ],
    ids=["negative-usage", "float-usage", "backend", "model", "negative-latency", "nan-latency", "cached"],
)
def test_completion_checks_catch_each_bad_field(changes: dict) -> None:
    contract = ReplayContract()
    with pytest.raises(AssertionError):
        contract.test_complete_returns_completion(Broken(**changes))


def test_overriding_a_contract_test_needs_an_xfail_reason() -> None:
    with pytest.raises(ContractOverrideError, match="test_repeated_calls overrides the contract test"):

        class Weakened(LLMBackendContract):
            backend_name = "replay"

            def test_repeated_calls(self, llm) -> None:
                """Skips the check."""
