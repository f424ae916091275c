"""One LLM per agent role: requests go to the LLM of their ``role`` tag."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from rlgpt.llm.types import LLM, Completion, Request, constraint
from rlgpt.llm.wrapper import LLMWrapper


class RoleRouter(LLMWrapper):
    """Sends a request tagged ``role=<name>`` to ``by_role[name]``, and every other one to ``default``.

    Its identity (``backend``, ``model``, ...) is the default LLM's; each :class:`Completion`
    names the backend and model that actually answered, and how that LLM constrained it
    (:func:`~rlgpt.llm.types.constraint`).

    :param default: the LLM of ``[llm]``.
    :param by_role: role -> its own LLM, for the roles that have one.
    """

    def __init__(self, default: LLM, by_role: Mapping[str, LLM]) -> None:
        super().__init__(default)
        self.by_role = dict(by_role)

    def complete(self, request: Request) -> Completion:
        """Answer with the LLM of the request's role."""
        llm = self.by_role.get(request.tags.get("role", ""), self.inner)
        completion = llm.complete(request)
        return replace(completion, constraint=constraint(llm, request, completion))

    def close(self) -> None:
        """Close every LLM this router holds, each once."""
        for llm in {id(llm): llm for llm in (self.inner, *self.by_role.values())}.values():
            close = getattr(llm, "close", None)
            if close is not None:
                close()
