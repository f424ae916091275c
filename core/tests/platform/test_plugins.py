"""The plugin manager: entry points, built-ins, broken and misbehaving plugins, the registry."""

from __future__ import annotations

import base64
import json
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import gymnasium
import pytest
from rlgpt.plugins import (
    DISABLE_AUTOLOAD_VAR,
    LOAD_PLUGINS_VAR,
    DuplicatePluginError,
    HookValidationError,
    PluginSelection,
    Registry,
    UnknownPluginError,
    build_registry,
    discover_entry_points,
    get_plugin_manager,
    get_registry,
    load_plugins,
)
from rlgpt.specs import LLMBackendSpec

REPO = Path(__file__).resolve().parents[3]
TEST_PLUGINS = REPO / "tests" / "plugins"
RLGPT = Path(sys.executable).with_name("rlgpt")


@pytest.fixture(scope="module")
def side_plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The broken and the duplicate test distributions, pip-installed into a throwaway folder.

    They stay out of the project venv, where they would break every ``rlgpt`` command.
    """
    root = tmp_path_factory.mktemp("side-plugins")
    sources = []
    for name in ("rlgpt-broken-plugin", "rlgpt-duplicate-plugin"):
        sources.append(shutil.copytree(TEST_PLUGINS / name, root / "src" / name))
    target = root / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
         "--target", str(target), *map(str, sources)],
        check=True,
        capture_output=True,
    )
    return target


@pytest.fixture
def with_side_plugins(side_plugins: Path, monkeypatch: pytest.MonkeyPatch) -> list:
    """Entry points of the venv plus the side plugins, with the side folder importable."""
    monkeypatch.syspath_prepend(str(side_plugins))
    return discover_entry_points() + discover_entry_points([str(side_plugins)])


def write_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> str:
    """Write a one-file plugin module with a name unique to the test; return the name."""
    name = f"plugin_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return name


NO_AUTOLOAD = {DISABLE_AUTOLOAD_VAR: "1"}


def test_example_plugin_is_found_through_its_entry_point() -> None:
    eps = [ep for ep in discover_entry_points() if ep.name == "example"]
    assert eps, "rlgpt-example-plugin is not installed in the venv (run: make install)"
    assert eps[0].dist is not None and eps[0].dist.metadata["Name"] == "rlgpt-example-plugin"
    registry = build_registry(environ={LOAD_PLUGINS_VAR: "example"})
    origin = registry.provenance[("environments", "corridor")]
    assert (origin.name, origin.distribution, origin.version, origin.builtin) == (
        "example", "rlgpt-example-plugin", "0.1.0", False
    )
    assert registry.registered_by(origin) == {"environments": ["corridor"]}


def test_environments_are_mirrored_into_gymnasium() -> None:
    build_registry(environ={LOAD_PLUGINS_VAR: "example"})
    env = gymnasium.make("rlgpt/corridor-v0", task="reach_end", obs_mode="index")
    obs, info = env.reset(seed=0)
    assert obs == info["position"]
    env.close()


def test_builtins_register_through_the_hooks() -> None:
    registry = build_registry(environ=NO_AUTOLOAD)
    assert "replay" in registry.llm_backends
    origin = registry.provenance[("llm_backends", "replay")]
    assert origin.builtin and origin.distribution == "rlgpt" and origin.name == "rlgpt.llm.replay"


def test_disable_autoload_loads_only_builtins() -> None:
    registry = build_registry(environ=NO_AUTOLOAD)
    assert registry.plugins and all(p.builtin for p in registry.plugins)
    assert "corridor" not in registry.environments


def test_load_plugins_selects_entry_points_by_name() -> None:
    loaded = load_plugins(environ={LOAD_PLUGINS_VAR: " example "})
    assert [p.name for p in loaded.plugins if not p.builtin] == ["example"]


def test_load_plugins_names_an_unknown_entry_point() -> None:
    pattern = r"RLGPT_LOAD_PLUGINS: unknown plugin 'exampel' .* did you mean 'example'\?"
    with pytest.raises(UnknownPluginError, match=pattern):
        load_plugins(environ={LOAD_PLUGINS_VAR: "exampel"})


def test_broken_plugin_is_reported_and_the_others_load(with_side_plugins: list) -> None:
    registry = build_registry(environ={LOAD_PLUGINS_VAR: "broken,example"}, entry_points=with_side_plugins)
    [error] = [e for e in registry.errors if e.entry_point == "broken"]
    assert (error.distribution, error.version) == ("rlgpt-broken-plugin", "0.2.0")
    assert isinstance(error.exception, RuntimeError)
    assert "fails on import on purpose" in error.message
    assert "corridor" in registry.environments
    assert "broken" not in [p.name for p in registry.plugins]


def test_duplicate_names_are_an_error_naming_both_plugins(with_side_plugins: list) -> None:
    with pytest.raises(DuplicatePluginError) as excinfo:
        build_registry(environ={LOAD_PLUGINS_VAR: "example,duplicate"}, entry_points=with_side_plugins)
    assert str(excinfo.value) == (
        "environment 'corridor' is registered by both 'rlgpt-example-plugin 0.1.0' and "
        "'rlgpt-duplicate-plugin 0.3.0'"
    )


def test_misspelled_hook_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = write_module(tmp_path, monkeypatch, """
        from rlgpt import hookimpl

        @hookimpl
        def register_enviroments(register):
            pass
    """)
    with pytest.raises(HookValidationError) as excinfo:
        load_plugins(environ=NO_AUTOLOAD, builtins=(name,))
    message = str(excinfo.value)
    assert f"plugin {name!r}" in message and "unknown hook 'register_enviroments'" in message
    assert "did you mean 'register_environments'" in message


def test_misnamed_hook_argument_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = write_module(tmp_path, monkeypatch, """
        from rlgpt import hookimpl

        @hookimpl
        def register_learners(regster):
            pass
    """)
    with pytest.raises(HookValidationError, match=rf"plugin '{name}' .*regster") as excinfo:
        load_plugins(environ=NO_AUTOLOAD, builtins=(name,))
    hint = " - register_learners(register): did you mean 'register' instead of 'regster'?"
    assert str(excinfo.value).endswith(hint)
    assert "\n" not in str(excinfo.value)


def test_registration_hook_that_raises_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = write_module(tmp_path, monkeypatch, """
        from rlgpt import hookimpl

        @hookimpl
        def register_learners(register):
            register("not a spec")
    """)
    registry = build_registry(environ=NO_AUTOLOAD, builtins=("rlgpt.llm.replay", name))
    [error] = registry.errors
    assert error.entry_point == name and "expects LearnerSpec, got str" in error.message
    assert "replay" in registry.llm_backends and not registry.learners


def test_observer_hooks_reach_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = write_module(tmp_path, monkeypatch, """
        from rlgpt import hookimpl

        CALLS = []

        @hookimpl
        def on_run_start(run):
            CALLS.append(run)
    """)
    registry = build_registry(environ=NO_AUTOLOAD, builtins=(name,))
    registry.hook.on_run_start(run="the run")
    assert sys.modules[name].CALLS == ["the run"]


def test_unknown_lookup_suggests_a_name() -> None:
    spec = LLMBackendSpec(name="openai", factory=dict, description="d")
    registry = Registry(llm_backends={"openai": spec, "replay": spec})
    with pytest.raises(UnknownPluginError) as excinfo:
        registry.llm_backend("opena")
    expected = "unknown llm backend 'opena' (installed: openai, replay) - did you mean 'openai'?"
    assert str(excinfo.value) == expected
    assert registry.llm_backend("openai") is spec


def test_process_registry_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LOAD_PLUGINS_VAR, raising=False)
    first = get_registry()
    assert get_registry() is first
    assert get_plugin_manager() is first.manager
    refreshed = get_registry(refresh=True)
    assert refreshed is not first and "corridor" in refreshed.environments


def test_process_registry_follows_the_plugin_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LOAD_PLUGINS_VAR, "example")
    only_example = get_registry()
    assert [p.name for p in only_example.plugins if not p.builtin] == ["example"]
    monkeypatch.setenv(DISABLE_AUTOLOAD_VAR, "1")
    assert "corridor" not in get_registry().environments
    monkeypatch.delenv(DISABLE_AUTOLOAD_VAR)
    assert get_registry() is only_example  # one registry per selection and process


def _rlgpt(*args: str, side: Path, load: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(side), LOAD_PLUGINS_VAR: load, "COLUMNS": "200"}
    return subprocess.run([str(RLGPT), *args], env=env, capture_output=True, text=True, timeout=120)


def test_cli_lists_a_broken_plugin_and_warns_elsewhere(side_plugins: Path) -> None:
    listing = _rlgpt("plugins", "--json", side=side_plugins, load="example,broken")
    assert listing.returncode == 0, listing.stderr
    report = json.loads(listing.stdout)
    [error] = [e for e in report["errors"] if e["entry_point"] == "broken"]
    assert error["distribution"] == "rlgpt-broken-plugin" and error["error"].startswith("RuntimeError:")
    [example] = [p for p in report["plugins"] if p["name"] == "example"]
    assert example["hooks"] == ["register_environments"]
    assert example["registers"] == {"environments": ["corridor"]}

    table = _rlgpt("plugins", side=side_plugins, load="example,broken")
    assert table.returncode == 0
    expected = "broken broken (rlgpt-broken-plugin 0.2.0): RuntimeError: rlgpt-broken-plugin fails on import"
    assert expected in table.stdout

    envs = _rlgpt("envs", "--all", side=side_plugins, load="example,broken")
    assert envs.returncode == 0 and "corridor" in envs.stdout
    assert "warning: plugin 'broken' from rlgpt-broken-plugin 0.2.0 failed to load" in envs.stderr


def test_cli_duplicate_is_one_error_line(side_plugins: Path) -> None:
    result = _rlgpt("envs", side=side_plugins, load="example,duplicate")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: environment 'corridor' is registered by both 'rlgpt-example-plugin 0.1.0' and "
        "'rlgpt-duplicate-plugin 0.3.0'"
    )


def test_a_selection_rebuilds_the_same_registry_in_another_process() -> None:
    selection = PluginSelection(load=("example",))
    payload = base64.b64encode(pickle.dumps(selection)).decode()
    script = (
        "import base64, pickle, sys; selection = pickle.loads(base64.b64decode(sys.argv[1])); "
        "print(','.join(sorted(selection.registry().environments)))"
    )
    command = [sys.executable, "-c", script, payload]
    child = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == ",".join(sorted(selection.registry().environments)) == "corridor"
    assert selection.registry().selection == selection


def test_a_registry_built_from_environment_variables_remembers_its_selection() -> None:
    registry = build_registry(environ={LOAD_PLUGINS_VAR: "example"})
    assert registry.selection == PluginSelection(load=("example",))
    assert registry.selection.registry().environments.keys() == registry.environments.keys()
