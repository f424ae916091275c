"""RoleRouter: each role's requests reach its own LLM."""

from __future__ import annotations

from rlgpt.llm import Completion, Request, Usage, user
from rlgpt.llm.roles import RoleRouter


class Named:
    supports_images = False

    def __init__(self, model: str) -> None:
        self.backend, self.model, self.closed = "b", model, 0

    def complete(self, request: Request) -> Completion:
        return Completion(self.model, Usage(1, 1), 0.0, self.model, self.backend)

    def close(self) -> None:
        self.closed += 1


def ask(role: str | None) -> Request:
    return Request((user("hi"),), tags={"role": role} if role else {})


def test_requests_go_to_their_roles_llm_and_each_llm_closes_once():
    default, strong = Named("small"), Named("strong")
    router = RoleRouter(default, {"planner": strong, "critic": strong})
    answers = [router.complete(ask(role)).text for role in ("planner", "coder", "critic", None)]
    assert answers == ["strong", "small", "strong", "small"]
    assert router.model == "small"
    router.close()
    assert (default.closed, strong.closed) == (1, 1)
