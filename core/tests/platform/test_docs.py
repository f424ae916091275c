"""docs/plugins.md stays in step with the hook specs and spec types."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

import pytest
from rlgpt import hookspecs, methods, specs
from rlgpt.plugins import hookspec_names

DOC = (Path(__file__).resolve().parents[3] / "docs" / "plugins.md").read_text()


def hook_signatures() -> dict[str, str]:
    """``def name(param: annotation, ...) -> return`` of every ``@hookspec`` function."""
    out = {}
    for name, func in vars(hookspecs).items():
        if callable(func) and hasattr(func, f"{hookspecs.PROJECT_NAME}_spec"):
            sig = inspect.signature(func)
            params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
            out[name] = f"def {name}({params}) -> {sig.return_annotation}"
    assert list(out) == hookspec_names()
    return out


def section(title: str) -> str:
    """The text under ``### title`` up to the next heading of level 2 or 3."""
    match = re.search(rf"^### {re.escape(title)}\n(.*?)(?=^##)", DOC + "\n## end", re.S | re.M)
    assert match, f"docs/plugins.md has no '### {title}' section"
    return match.group(1)


def test_every_hook_is_found() -> None:
    assert set(hook_signatures()) == {
        "register_environments", "register_llm_backends", "register_learners", "register_planners",
        "register_coders", "register_critics", "register_methods", "register_agent_structures",
        "register_tasks", "on_run_start", "on_event", "on_iteration_end", "on_run_end",
    }


@pytest.mark.parametrize(("name", "signature"), sorted(hook_signatures().items()))
def test_hook_signature_is_documented(name: str, signature: str) -> None:
    assert f"#### {name}\n" in DOC, f"docs/plugins.md has no section for hook {name}"
    assert signature in DOC, f"docs/plugins.md does not show the exact signature: {signature}"


SPEC_TYPES = [
    specs.TaskSpec, specs.EnvironmentSpec, specs.LLMBackendSpec, specs.LearnerSpec, specs.AgentSpec,
    specs.AgentStructure, methods.Method,
]  # fmt: skip


@pytest.mark.parametrize("spec_type", SPEC_TYPES, ids=lambda t: t.__name__)
def test_spec_fields_are_documented(spec_type: type) -> None:
    rows = re.findall(r"^\| `(\w+)` \|", section(spec_type.__name__), re.M)
    assert rows == [f.name for f in dataclasses.fields(spec_type)], (
        f"the {spec_type.__name__} table in docs/plugins.md lists {rows}; update it to the dataclass fields"
    )
