"""The plugin manager and the registry of everything plugins provide.

Built-in plugins (:data:`BUILTIN_PLUGINS`) and third-party distributions (entry-point
group ``rlgpt``) are loaded through the same path. A plugin that fails to import is
recorded as a :class:`PluginLoadError` and the others still load; a hook whose name or
arguments do not match :mod:`rlgpt.hookspecs` is an error naming the plugin.

Environment variables (read from the ``environ`` mapping given to the builders):

``RLGPT_LOAD_PLUGINS=a,b``
    load only these entry points (by entry-point name); built-ins always load.
``RLGPT_DISABLE_PLUGIN_AUTOLOAD=1``
    load no entry points at all; built-ins always load.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import importlib.metadata
import inspect
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import gymnasium
import pluggy

from rlgpt import hookspecs
from rlgpt._imports import LazyCallable
from rlgpt.methods import Method
from rlgpt.specs import AgentSpec, AgentStructure, EnvironmentSpec, LearnerSpec, LLMBackendSpec, TaskSpec

BUILTIN_PLUGINS: tuple[str, ...] = ("rlgpt.llm.replay", "rlgpt.agents.builtin", "rlgpt.methods")
"""Modules of the core that register through the hooks like any third-party plugin."""

ENTRY_POINT_GROUP = "rlgpt"
LOAD_PLUGINS_VAR = "RLGPT_LOAD_PLUGINS"
DISABLE_AUTOLOAD_VAR = "RLGPT_DISABLE_PLUGIN_AUTOLOAD"


class PluginError(Exception):
    """Base class of plugin problems that stop the registry from being built."""


class DuplicatePluginError(PluginError):
    """Two plugins registered the same name for one kind of thing."""


class UnknownPluginError(PluginError, LookupError):
    """A name was looked up that no installed plugin registered."""


class HookValidationError(PluginError):
    """A plugin implements a hook that does not exist or has the wrong arguments."""


@dataclass(frozen=True)
class PluginInfo:
    """Who a loaded plugin is.

    :param name: the name it is registered under in the plugin manager (the
        entry-point name, or the module name for built-ins).
    :param distribution: the distribution (pip package) that ships it.
    :param version: that distribution's version.
    :param builtin: true for the core's own plugins.
    """

    name: str
    distribution: str
    version: str
    builtin: bool = False

    @property
    def label(self) -> str:
        """``'<distribution> <version>'``, as error messages name plugins."""
        return f"{self.distribution} {self.version}"


@dataclass(frozen=True)
class PluginLoadError:
    """A plugin that could not be loaded (it is left out; the others still load).

    :param distribution: the distribution that ships the plugin.
    :param version: its version.
    :param entry_point: the entry-point name (the module name for built-ins).
    :param exception: what went wrong.
    """

    distribution: str
    version: str
    entry_point: str
    exception: BaseException

    @property
    def message(self) -> str:
        """One line: which plugin failed and why."""
        return (
            f"plugin {self.entry_point!r} from {self.distribution} {self.version} failed to load: "
            f"{type(self.exception).__name__}: {self.exception}"
        )


@dataclass(frozen=True)
class Kind:
    """One kind of thing plugins register.

    :param key: the :class:`Registry` attribute holding them (``llm_backends``).
    :param label: how messages name one of them (``llm backend``).
    :param hook: the registration hook.
    :param spec_type: the spec class ``register`` accepts.
    """

    key: str
    label: str
    hook: str
    spec_type: type


KINDS: tuple[Kind, ...] = (
    Kind("environments", "environment", "register_environments", EnvironmentSpec),
    Kind("llm_backends", "llm backend", "register_llm_backends", LLMBackendSpec),
    Kind("learners", "learner", "register_learners", LearnerSpec),
    Kind("planners", "planner", "register_planners", AgentSpec),
    Kind("coders", "coder", "register_coders", AgentSpec),
    Kind("critics", "critic", "register_critics", AgentSpec),
    Kind("methods", "method", "register_methods", Method),
    Kind("agent_structures", "agent structure", "register_agent_structures", AgentStructure),
)
KINDS_BY_KEY: dict[str, Kind] = {kind.key: kind for kind in KINDS}


def unknown_name_message(label: str, name: str, choices: Iterable[str], listing: str = "installed") -> str:
    """``unknown <label> 'x' (<listing>: a, b) - did you mean 'a'?`` with a difflib suggestion."""
    known = sorted(choices)
    message = f"unknown {label} {name!r} ({listing}: {', '.join(known) or 'none'})"
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        message += f" - did you mean {close[0]!r}?"
    return message


@dataclass
class LoadedPlugins:
    """A plugin manager with its plugins registered and validated.

    :param manager: the pluggy plugin manager (project ``rlgpt``).
    :param plugins: every plugin that loaded, built-ins first.
    :param errors: every plugin that failed to load.
    """

    manager: pluggy.PluginManager
    plugins: list[PluginInfo]
    errors: list[PluginLoadError]

    def info(self, plugin: object) -> PluginInfo:
        """The :class:`PluginInfo` of a registered plugin object."""
        return next(p for p in self.plugins if self.manager.get_plugin(p.name) is plugin)


def hookspec_names() -> list[str]:
    """Names of every hook in :mod:`rlgpt.hookspecs`, in definition order."""
    marker = f"{hookspecs.PROJECT_NAME}_spec"
    return [name for name, obj in vars(hookspecs).items() if callable(obj) and hasattr(obj, marker)]


def discover_entry_points(path: Sequence[str] | None = None) -> list[importlib.metadata.EntryPoint]:
    """Entry points of group ``rlgpt`` of the distributions on ``path`` (default ``sys.path``).

    A distribution found twice on the path (say an editable install and a copy) counts once.
    They are sorted by distribution and entry-point name, so load order (and which of two
    duplicates is named first) does not depend on the file system.
    """
    found: dict[tuple[str, str], importlib.metadata.EntryPoint] = {}
    search = {} if path is None else {"path": list(path)}
    for dist in importlib.metadata.distributions(**search):
        for ep in dist.entry_points:
            if ep.group == ENTRY_POINT_GROUP:
                found.setdefault((dist.metadata["Name"] or "", ep.name), ep)
    return [found[key] for key in sorted(found)]


def _select_entry_points(
    entry_points: Sequence[importlib.metadata.EntryPoint], environ: Mapping[str, str]
) -> list[importlib.metadata.EntryPoint]:
    if environ.get(DISABLE_AUTOLOAD_VAR, "").strip() not in ("", "0"):
        return []
    wanted = [name.strip() for name in environ.get(LOAD_PLUGINS_VAR, "").split(",") if name.strip()]
    if not wanted:
        return list(entry_points)
    by_name = {ep.name: ep for ep in entry_points}
    for name in wanted:
        if name not in by_name:
            raise UnknownPluginError(f"{LOAD_PLUGINS_VAR}: " + unknown_name_message("plugin", name, by_name))
    return [by_name[name] for name in wanted]


def _core_version() -> str:
    try:
        return importlib.metadata.version("rlgpt")
    except importlib.metadata.PackageNotFoundError:
        from rlgpt import __version__

        return __version__


def _entry_point_origin(ep: importlib.metadata.EntryPoint) -> tuple[str, str]:
    dist = ep.dist
    if dist is None:
        return ("unknown", "?")
    return (dist.metadata["Name"] or "unknown", dist.version or "?")


def load_plugins(
    environ: Mapping[str, str] | None = None,
    entry_points: Sequence[importlib.metadata.EntryPoint] | None = None,
    builtins: Sequence[str] = BUILTIN_PLUGINS,
) -> LoadedPlugins:
    """Build a plugin manager: built-ins, then the selected entry points, then validate.

    :param environ: where ``RLGPT_LOAD_PLUGINS`` / ``RLGPT_DISABLE_PLUGIN_AUTOLOAD`` are
        read (default ``os.environ``).
    :param entry_points: the candidate entry points (default :func:`discover_entry_points`).
    :param builtins: module names of the built-in plugins.
    :raises HookValidationError: a plugin implements an unknown hook or misnames arguments.
    """
    environ = os.environ if environ is None else environ
    candidates = discover_entry_points() if entry_points is None else entry_points
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    loaded = LoadedPlugins(manager, [], [])
    version = _core_version()
    for module_name in builtins:
        info = PluginInfo(module_name, "rlgpt", version, builtin=True)
        _register(loaded, info, lambda name=module_name: importlib.import_module(name))
    for ep in _select_entry_points(candidates, environ):
        distribution, dist_version = _entry_point_origin(ep)
        _register(loaded, PluginInfo(ep.name, distribution, dist_version), ep.load)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        raise HookValidationError(_validation_message(loaded, exc)) from exc
    return loaded


def _register(loaded: LoadedPlugins, info: PluginInfo, load: Callable[[], Any]) -> None:
    """Import one plugin and register it; import failures are recorded, not raised."""
    try:
        plugin = load()
        if loaded.manager.has_plugin(info.name):
            raise ValueError(f"another plugin is already registered under the name {info.name!r}")
        if loaded.manager.is_registered(plugin):
            raise ValueError(f"{_plugin_repr(plugin)} is already registered by another entry point")
    except Exception as exc:
        loaded.errors.append(PluginLoadError(info.distribution, info.version, info.name, exc))
        return
    try:
        loaded.manager.register(plugin, name=info.name)
    except pluggy.PluginValidationError as exc:
        message = f"plugin {info.name!r} ({info.label}): {_one_line(exc)}"
        raise HookValidationError(message + "".join(_argument_hints(plugin))) from exc
    loaded.plugins.append(info)


def _argument_hints(plugin: object) -> list[str]:
    """A did-you-mean per hook implementation argument that its hook spec does not have."""
    hints = []
    for hook in hookspec_names():
        impl = getattr(plugin, hook, None)
        if impl is None or not hasattr(impl, f"{hookspecs.PROJECT_NAME}_impl"):
            continue
        expected = list(inspect.signature(getattr(hookspecs, hook)).parameters)
        for argument in inspect.signature(impl).parameters:
            if argument not in expected:
                close = difflib.get_close_matches(argument, expected, n=1)
                fix = f"did you mean {close[0]!r} instead of" if close else "remove"
                hints.append(f" - {hook}({', '.join(expected)}): {fix} {argument!r}" + "?" * bool(close))
    return hints


def _one_line(exc: BaseException) -> str:
    return "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())


def _plugin_repr(plugin: object) -> str:
    return f"module {plugin.__name__!r}" if isinstance(plugin, ModuleType) else repr(plugin)


def _validation_message(loaded: LoadedPlugins, exc: pluggy.PluginValidationError) -> str:
    plugin = exc.plugin
    who = loaded.info(plugin).label if loaded.manager.is_registered(plugin) else _plugin_repr(plugin)
    name = loaded.manager.get_name(plugin)
    message = f"plugin {name!r} ({who}): {_one_line(exc)}"
    unknown = [
        caller.name
        for caller in loaded.manager.get_hookcallers(plugin) or []
        if not caller.has_spec() and not caller.name.startswith("_")
    ]
    for hook in unknown:
        close = difflib.get_close_matches(hook, hookspec_names(), n=1)
        if close:
            message += f" - did you mean {close[0]!r} instead of {hook!r}?"
    return message


@dataclass(frozen=True)
class PluginSelection:
    """Which plugins a registry is built from, as picklable data.

    Child processes (vectorised training environments, dry runs, benchmark workers) rebuild
    the same registry from it with :meth:`registry`, instead of reading a process-wide global.

    :param load: entry-point names to load (``None``: every installed one).
    :param autoload: whether entry points are loaded at all.
    :param builtins: module names registered first (the core's built-ins, plus any extra
        plugin module, such as a test's fake learner).
    """

    load: tuple[str, ...] | None = None
    autoload: bool = True
    builtins: tuple[str, ...] = BUILTIN_PLUGINS

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> PluginSelection:
        """The selection ``RLGPT_LOAD_PLUGINS`` / ``RLGPT_DISABLE_PLUGIN_AUTOLOAD`` ask for."""
        environ = os.environ if environ is None else environ
        wanted = tuple(name.strip() for name in environ.get(LOAD_PLUGINS_VAR, "").split(",") if name.strip())
        disabled = environ.get(DISABLE_AUTOLOAD_VAR, "").strip() not in ("", "0")
        return cls(load=wanted or None, autoload=not disabled)

    def environ(self) -> dict[str, str]:
        """The environment variables that make :func:`load_plugins` load this selection."""
        out = {LOAD_PLUGINS_VAR: ",".join(self.load or ())}
        if not self.autoload:
            out[DISABLE_AUTOLOAD_VAR] = "1"
        return out

    def with_plugins(self, *modules: str) -> PluginSelection:
        """This selection plus plugin modules registered like built-ins (e.g. a test's fakes)."""
        return dataclasses.replace(self, builtins=(*self.builtins, *modules))

    def registry(self) -> Registry:
        """The registry of this selection, built once per process."""
        if self not in _BUILT:
            _BUILT[self] = build_registry(selection=self)
        return _BUILT[self]


_BUILT: dict[PluginSelection, Registry] = {}


@dataclass
class Registry:
    """Everything the loaded plugins registered, by kind and name.

    Each ``dict`` maps a name to its spec. :attr:`provenance` maps ``(kind key, name)``
    to the plugin that registered it, and :attr:`task_provenance` maps ``(environment, task id)``
    to the plugin that added a task through ``register_tasks``; :attr:`errors` lists plugins
    that failed to load or whose registration hook raised; :attr:`selection` says how to rebuild it in another
    process (``None`` for a registry assembled by hand).
    """

    environments: dict[str, EnvironmentSpec] = field(default_factory=dict)
    llm_backends: dict[str, LLMBackendSpec] = field(default_factory=dict)
    learners: dict[str, LearnerSpec] = field(default_factory=dict)
    planners: dict[str, AgentSpec] = field(default_factory=dict)
    coders: dict[str, AgentSpec] = field(default_factory=dict)
    critics: dict[str, AgentSpec] = field(default_factory=dict)
    methods: dict[str, Method] = field(default_factory=dict)
    agent_structures: dict[str, AgentStructure] = field(default_factory=dict)
    provenance: dict[tuple[str, str], PluginInfo] = field(default_factory=dict)
    task_provenance: dict[tuple[str, str], PluginInfo] = field(default_factory=dict)
    errors: list[PluginLoadError] = field(default_factory=list)
    plugins: list[PluginInfo] = field(default_factory=list)
    manager: pluggy.PluginManager | None = None
    selection: PluginSelection | None = None

    @property
    def hook(self) -> Any:
        """The hook relay for observer hooks: ``registry.hook.on_run_start(run=run)``."""
        if self.manager is None:
            raise PluginError("this registry was built without a plugin manager")
        return self.manager.hook

    def lookup(self, kind_key: str, name: str) -> Any:
        """The spec called ``name`` of the given kind; :class:`UnknownPluginError` suggests names."""
        specs: dict[str, Any] = getattr(self, kind_key)
        if name not in specs:
            raise UnknownPluginError(unknown_name_message(KINDS_BY_KEY[kind_key].label, name, specs))
        return specs[name]

    def environment(self, name: str) -> EnvironmentSpec:
        """The environment called ``name``; the error for an unknown one lists and suggests the
        :meth:`listed_environments` only."""
        if name not in self.environments:
            listed = self.listed_environments()
            raise UnknownPluginError(unknown_name_message(KINDS_BY_KEY["environments"].label, name, listed))
        return self.environments[name]

    def listed_environments(self, *, include_testing: bool = False) -> dict[str, EnvironmentSpec]:
        """The environments a user is shown, by name: all but the ``testing`` ones unless asked."""
        return {n: spec for n, spec in self.environments.items() if include_testing or not spec.testing}

    def llm_backend(self, name: str) -> LLMBackendSpec:
        """The LLM backend called ``name``."""
        return self.lookup("llm_backends", name)

    def learner(self, name: str) -> LearnerSpec:
        """The learner called ``name``."""
        return self.lookup("learners", name)

    def planner(self, name: str) -> AgentSpec:
        """The planner (slow agent) called ``name``."""
        return self.lookup("planners", name)

    def coder(self, name: str) -> AgentSpec:
        """The coder (fast agent) called ``name``."""
        return self.lookup("coders", name)

    def critic(self, name: str) -> AgentSpec:
        """The critic called ``name``."""
        return self.lookup("critics", name)

    def method(self, name: str) -> Method:
        """The method called ``name`` (what a run plans, codes and trains)."""
        return self.lookup("methods", name)

    def agent_structure(self, name: str) -> AgentStructure:
        """The agent structure called ``name`` (who plans, codes and critiques)."""
        return self.lookup("agent_structures", name)

    def hooks_of(self, plugin: PluginInfo) -> list[str]:
        """Names of the hooks a loaded plugin implements, in hook-spec order."""
        if self.manager is None or not self.manager.has_plugin(plugin.name):
            return []
        callers = self.manager.get_hookcallers(self.manager.get_plugin(plugin.name)) or []
        implemented = {caller.name for caller in callers}
        return [name for name in hookspec_names() if name in implemented]

    def registered_by(self, plugin: PluginInfo) -> dict[str, list[str]]:
        """What one plugin registered: kind key -> names (kinds it registered nothing of are left out)."""
        out: dict[str, list[str]] = {}
        for (kind_key, name), origin in self.provenance.items():
            if origin == plugin:
                out.setdefault(kind_key, []).append(name)
        return out


def build_registry(
    environ: Mapping[str, str] | None = None,
    entry_points: Sequence[importlib.metadata.EntryPoint] | None = None,
    builtins: Sequence[str] = BUILTIN_PLUGINS,
    *,
    selection: PluginSelection | None = None,
) -> Registry:
    """Load plugins (see :func:`load_plugins`) and call every registration hook, one plugin at a
    time; ``register_tasks`` comes last, once every environment is registered.

    Environments are mirrored into Gymnasium as ``rlgpt/<name>-v0`` (ids already
    registered are left alone).

    :param selection: build this selection (it replaces ``environ`` and ``builtins``); the
        registry remembers it, so other processes can rebuild it.
    :raises DuplicatePluginError: two plugins registered the same name for one kind.
    :raises HookValidationError: a plugin's hooks do not match the hook specs.
    """
    if selection is not None:
        environ, builtins = selection.environ(), selection.builtins
    elif entry_points is None:
        selection = dataclasses.replace(PluginSelection.from_environ(environ), builtins=tuple(builtins))
    loaded = load_plugins(environ, entry_points, builtins)
    registry = Registry(
        errors=list(loaded.errors), plugins=list(loaded.plugins), manager=loaded.manager, selection=selection
    )
    for kind in KINDS:
        caller = getattr(loaded.manager.hook, kind.hook)
        for impl in caller.get_hookimpls():
            _call_registration(registry, loaded, kind, impl.plugin)
    for impl in loaded.manager.hook.register_tasks.get_hookimpls():
        _call_task_registration(registry, loaded, impl.plugin)
    for name, spec in registry.environments.items():
        env_id = f"rlgpt/{name}-v0"
        if env_id not in gymnasium.registry:
            gymnasium.register(id=env_id, entry_point=spec.entry_point)
    return registry


def _call_registration(registry: Registry, loaded: LoadedPlugins, kind: Kind, plugin: object) -> None:
    """Call one plugin's registration hook, recording what it registers under its name."""
    info = loaded.info(plugin)
    specs: dict[str, Any] = getattr(registry, kind.key)
    added: list[tuple[str, Any]] = []

    def register(spec: Any) -> None:
        if not isinstance(spec, kind.spec_type):
            raise TypeError(f"{kind.hook} expects {kind.spec_type.__name__}, got {type(spec).__name__}")
        name = spec.name
        previous = registry.provenance.get((kind.key, name)) if name in specs else None
        if previous is None and any(n == name for n, _ in added):
            previous = info
        if previous is not None:
            raise DuplicatePluginError(
                f"{kind.label} {name!r} is registered by both {previous.label!r} and {info.label!r}"
            )
        combined = getattr(spec, "combined", None)
        for factory in (getattr(spec, "factory", None), getattr(combined, "factory", None)):
            if isinstance(factory, LazyCallable):
                factory.plugin = info.label
        added.append((name, spec))

    if not _call_one_plugin(registry, loaded, kind.hook, plugin, register):
        return
    for name, spec in added:
        specs[name] = spec
        registry.provenance[(kind.key, name)] = info


def _call_task_registration(registry: Registry, loaded: LoadedPlugins, plugin: object) -> None:
    """Call one plugin's ``register_tasks``, appending its tasks to the environments they name."""
    info = loaded.info(plugin)
    added: dict[str, list[TaskSpec]] = {}

    def register(env_name: str, task: TaskSpec) -> None:
        if not isinstance(task, TaskSpec):
            raise TypeError(f"register_tasks expects (environment name, TaskSpec), got {type(task).__name__}")
        if env_name not in registry.environments:
            unknown = unknown_name_message("environment", env_name, registry.environments)
            raise UnknownPluginError(f"register_tasks: {unknown}")
        pending = added.setdefault(env_name, [])
        previous = _task_owner(registry, env_name, task.id)
        if previous is None and any(t.id == task.id for t in pending):
            previous = info
        if previous is not None:
            raise DuplicatePluginError(
                f"task {task.id!r} of environment {env_name!r} is registered by both "
                f"{previous.label!r} and {info.label!r}"
            )
        pending.append(task)

    if not _call_one_plugin(registry, loaded, "register_tasks", plugin, register):
        return
    for env_name, tasks in added.items():
        spec = registry.environments[env_name]
        registry.environments[env_name] = dataclasses.replace(spec, tasks=(*spec.tasks, *tasks))
        for task in tasks:
            registry.task_provenance[(env_name, task.id)] = info


def _task_owner(registry: Registry, env_name: str, task_id: str) -> PluginInfo | None:
    """The plugin a task of an environment came from, or ``None`` when it has no such task."""
    if (env_name, task_id) in registry.task_provenance:
        return registry.task_provenance[(env_name, task_id)]
    if any(task.id == task_id for task in registry.environments[env_name].tasks):
        return registry.provenance.get(("environments", env_name))
    return None


def _call_one_plugin(
    registry: Registry, loaded: LoadedPlugins, hook: str, plugin: object, register: Callable[..., None]
) -> bool:
    """Call one plugin's registration ``hook``; whether it succeeded. An exception other than a
    duplicate is recorded in ``registry.errors`` (the plugin's registrations are left out)."""
    info = loaded.info(plugin)
    others = [p for p in loaded.manager.get_plugins() if p is not plugin]
    try:
        loaded.manager.subset_hook_caller(hook, remove_plugins=others)(register=register)
    except DuplicatePluginError:
        raise
    except Exception as exc:
        registry.errors.append(PluginLoadError(info.distribution, info.version, info.name, exc))
        return False
    return True


def get_registry(refresh: bool = False) -> Registry:
    """The registry of the plugins ``os.environ`` selects, built once per process and selection.

    For the command line and interactive use; library code is given a registry (or a
    :class:`PluginSelection`) instead. It is rebuilt when ``refresh`` is true.
    """
    selection = PluginSelection.from_environ()
    if refresh:
        _BUILT.pop(selection, None)
    return selection.registry()


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager (the one behind :func:`get_registry`)."""
    manager = get_registry().manager
    assert manager is not None
    return manager
