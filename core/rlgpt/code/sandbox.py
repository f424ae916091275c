"""Load a checked program into a namespace with restricted builtins.

:func:`compile_program` re-checks the program against the policy, compiles it
under the filename ``<coded_action:NAME>`` (so tracebacks point at generated
lines) and executes it in a fresh namespace whose builtins are
:data:`SAFE_BUILTINS` plus a ``print`` that captures output and an
``__import__`` that only hands out the allowed modules. Annotations are never
evaluated, and extraction allows only plain default values, so loading runs
nothing the code computes. Run the functions it returns with
:func:`rlgpt.code.call_with_limits`.
"""

from __future__ import annotations
import __future__

import builtins
import importlib
import random
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rlgpt.code.bounds import too_deep
from rlgpt.code.errors import SOURCE_KEY, CodeRejected, code_filename
from rlgpt.code.extract import Program, check_module_level
from rlgpt.code.policy import DEFAULT_ALLOWED_MODULES, check_policy

_SAFE_BUILTIN_NAMES = (
    "abs", "all", "any", "bool", "callable", "chr", "dict", "divmod", "enumerate", "filter", "float",
    "frozenset", "hash", "int", "isinstance", "issubclass", "iter", "len", "list", "map", "max", "min",
    "next", "ord", "pow", "range", "repr", "reversed", "round", "set", "slice", "sorted", "str", "sum",
    "tuple", "zip", "True", "False", "None", "NotImplemented", "Ellipsis",
    "ArithmeticError", "AssertionError", "AttributeError", "Exception", "IndexError", "KeyError",
    "LookupError", "NotImplementedError", "OverflowError", "RuntimeError", "StopIteration", "TypeError",
    "ValueError", "ZeroDivisionError",
)  # fmt: skip

SAFE_BUILTINS: Mapping[str, Any] = {name: getattr(builtins, name) for name in _SAFE_BUILTIN_NAMES}
"""The builtins generated code gets (``print`` and ``__import__`` are added per program)."""

MAX_OUTPUT_CHARS = 10_000


@dataclass
class CapturedOutput:
    """What a program printed, capped at :data:`MAX_OUTPUT_CHARS` characters."""

    parts: list[str] = field(default_factory=list)
    size: int = 0
    truncated: bool = False

    def print(
        self, *values: object, sep: str | None = " ", end: str | None = "\n", flush: bool = False
    ) -> None:
        """Stand-in for :func:`print` that appends to the capture instead of writing anywhere.

        ``flush`` is accepted, as :func:`print` accepts it, and has nothing to do.
        """
        text = (" " if sep is None else str(sep)).join(str(v) for v in values) + (
            "\n" if end is None else str(end)
        )
        room = MAX_OUTPUT_CHARS - self.size
        if len(text) > room:
            text, self.truncated = text[: max(room, 0)], True
        self.parts.append(text)
        self.size += len(text)

    @property
    def text(self) -> str:
        """Everything captured so far."""
        return "".join(self.parts) + ("...[output truncated]\n" if self.truncated else "")


@dataclass(frozen=True)
class CompiledProgram:
    """A program loaded into its own restricted namespace.

    :param program: the program it was built from.
    :param namespace: its globals (functions, constants, imported modules).
    :param output: what its ``print`` calls wrote.
    """

    program: Program
    namespace: dict[str, Any]
    output: CapturedOutput

    def function(self, name: str) -> Callable[..., Any]:
        """The top-level function ``name``; ``KeyError`` names the ones defined."""
        value = self.namespace.get(name)
        if name not in self.program.functions or not callable(value):
            raise KeyError(
                f"the program defines no function {name!r} (functions: {', '.join(self.program.functions)})"
            )
        return value


def compile_program(
    program: Program,
    *,
    allowed_modules: Iterable[str] = DEFAULT_ALLOWED_MODULES,
    allowed_names: Iterable[str] = (),
) -> CompiledProgram:
    """Check ``program`` against the policy and load it into a fresh restricted namespace.

    The source's module level is re-checked as in extraction, so loading only
    defines functions and constants and imports allowed modules.

    :raises CodeRejected: a structural or policy violation (``too_complex`` when the program is too
        long or nests too deeply), or ``runtime_error`` / ``memory`` when loading it fails.
    """
    allowed = tuple(allowed_modules)
    check_module_level(program.source)
    check_policy(program.source, allowed_modules=allowed, allowed_names=allowed_names)
    name = program.entry_points[0] if program.entry_points else (program.functions or ("module",))[0]
    flags = __future__.annotations.compiler_flag
    try:
        code = compile(program.source, code_filename(name), "exec", flags=flags, dont_inherit=True)
    except RecursionError:
        raise too_deep("too many levels to compile") from None
    except MemoryError:
        raise CodeRejected("too_complex", "program is too large to compile; shorten it") from None
    output = CapturedOutput()
    namespace: dict[str, Any] = {
        "__builtins__": {
            **SAFE_BUILTINS,
            "print": output.print,
            "__import__": _guarded_import(allowed, seed=int(program.digest[:8], 16)),
        },
        "__name__": "coded_action",
        SOURCE_KEY: tuple(program.source.splitlines()),
    }
    _load(code, namespace)
    return CompiledProgram(program=program, namespace=namespace, output=output)


def _load(code: types.CodeType, namespace: dict[str, Any]) -> None:
    """Run the module level (definitions, imports, constants); a failure is the program's."""
    try:
        exec(code, namespace)
    except MemoryError:
        raise CodeRejected("memory", "loading the program ran out of memory; shorten it") from None
    except RecursionError:
        raise too_deep("too many levels to load") from None
    except Exception as exc:
        raise CodeRejected(
            "runtime_error", f"loading the program failed: {type(exc).__name__}: {exc}; fix the module level"
        ) from None


def _guarded_import(allowed: tuple[str, ...], *, seed: int) -> Callable[..., Any]:
    """An ``__import__`` that hands out only ``allowed`` modules; ``random`` is private to the program."""
    private_random = _private_random(seed)

    def guarded_import(
        name: str,
        globals: Mapping[str, Any] | None = None,
        locals: Mapping[str, Any] | None = None,
        fromlist: Iterable[str] | None = (),
        level: int = 0,
    ) -> Any:
        if level != 0 or name not in allowed:
            raise ImportError(
                f"import of {name!r} is not allowed; only these modules may be imported: {allowed}"
            )
        return private_random if name == "random" else importlib.import_module(name)

    return guarded_import


def _private_random(seed: int) -> types.ModuleType:
    """A stand-in ``random`` module whose functions use a private generator seeded with ``seed``.

    Generated code cannot reseed or drain the process-wide generator, and a
    program draws the same numbers every time it is loaded.
    """
    rng = random.Random(seed)
    module = types.ModuleType("random", "The random module, bound to a generator private to this program.")
    for name in random.__all__:
        setattr(module, name, getattr(rng, name, None) or getattr(random, name))
    return module
