"""The public API: what plugins may import from the core, and that the repository's plugins keep to it."""

from __future__ import annotations

import ast
import importlib
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PUBLIC_MODULES = ("rlgpt", "rlgpt.llm", "rlgpt.skills", "rlgpt.envs", "rlgpt.hookspecs", "rlgpt.testing")
"""The modules plugins may import from; each one lists its public names in ``__all__``."""
PLUGIN_ROOTS = ("plugins", "environments", "llm_backends", "tests/plugins")


def distributions() -> list[Path]:
    """Every plugin distribution in the repository (a folder with a pyproject.toml)."""
    return sorted(p.parent for root in PLUGIN_ROOTS for p in (ROOT / root).glob("*/pyproject.toml"))


def own_packages(dist: Path) -> set[str]:
    """The import packages a distribution ships (its ``src/`` folders)."""
    return {p.name for p in (dist / "src").iterdir() if p.is_dir() and not p.name.endswith(".egg-info")}


def core_imports(path: Path) -> list[tuple[int, str, tuple[str, ...]]]:
    """``(line, module, names)`` of every absolute import of a module of the core or another package."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module, tuple(alias.name for alias in node.names)))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, alias.name, ()) for alias in node.names]
    return out


def violations(dist: Path, public: dict[str, set[str]]) -> list[str]:
    """Lines of ``dist`` that import a non-public core name, or (in its package) another plugin's package."""
    own = own_packages(dist)
    found = []
    for path in sorted(dist.rglob("*.py")):
        where = path.relative_to(dist.parent)
        shipped = (dist / "src") in path.parents
        for line, module, names in core_imports(path):
            top = module.split(".")[0]
            if top == "rlgpt":
                if module not in public:
                    found.append(f"{where}:{line}: {module} is not public (public: {', '.join(public)})")
                    continue
                hidden = [n for n in names if n != "*" and n not in public[module]]
                if hidden:
                    found.append(f"{where}:{line}: {', '.join(hidden)} not in {module}.__all__")
            elif shipped and top.startswith("rlgpt_") and top not in own:
                found.append(f"{where}:{line}: imports another plugin's package {top}")
    return found


@pytest.fixture(scope="module")
def public() -> dict[str, set[str]]:
    return {name: set(importlib.import_module(name).__all__) for name in PUBLIC_MODULES}


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_public_name_exists(module: str) -> None:
    imported = importlib.import_module(module)
    missing = [name for name in imported.__all__ if not hasattr(imported, name)]
    assert not missing, f"{module}.__all__ names {missing}, which it does not define"


def test_the_public_modules_are_documented() -> None:
    doc = (ROOT / "docs" / "plugins.md").read_text()
    section = doc[doc.index("## The public API") :]
    assert all(f"`{module}`" in section for module in PUBLIC_MODULES)


@pytest.mark.parametrize("dist", distributions(), ids=lambda p: p.name)
def test_plugins_import_only_the_public_api(dist: Path, public: dict[str, set[str]]) -> None:
    found = violations(dist, public)
    assert not found, "import only the public API (docs/plugins.md):\n" + "\n".join(found)


def test_the_check_catches_a_private_import(tmp_path: Path, public: dict[str, set[str]]) -> None:
    dist = tmp_path / "rlgpt-bad"
    (dist / "src" / "rlgpt_bad").mkdir(parents=True)
    (dist / "src" / "rlgpt_bad" / "plugin.py").write_text(
        "from rlgpt import hookimpl\nfrom rlgpt.learning import ProgressCallback\n"
        "from rlgpt.llm import Secret\nimport rlgpt.code\n"
        "from rlgpt_other import x\nfrom rlgpt_bad import y\n"
    )
    found = violations(dist, public)
    assert [line.split(": ", 1)[1] for line in found] == [
        "rlgpt.learning is not public (public: " + ", ".join(public) + ")",
        "Secret not in rlgpt.llm.__all__",
        "rlgpt.code is not public (public: " + ", ".join(public) + ")",
        "imports another plugin's package rlgpt_other",
    ]


@pytest.mark.parametrize("dist", distributions(), ids=lambda p: p.name)
def test_plugins_declare_the_cores_python_requirement(dist: Path) -> None:
    core = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    declared = tomllib.loads((dist / "pyproject.toml").read_text())["project"].get("requires-python")
    assert declared == core, f"{dist.name}: requires-python is {declared!r}; the core's is {core!r}"
