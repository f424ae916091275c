"""Keep contract test kits honest: a subclass may not quietly replace a contract test.

A contract kit (``EnvironmentContract``, ``LLMBackendContract``, ...) inherits from
:class:`Contract`. A plugin's test class subclasses the kit; if it overrides one of
the kit's ``test_*`` methods, the override must carry
``@pytest.mark.xfail(reason="...")`` so the weakened check shows in every test run.
Anything else (a plain override, ``skip``, an xfail without a reason, replacing the
test with a non-function) raises :class:`ContractOverrideError` when the subclass is
defined, which pytest reports as a collection error.
"""

from __future__ import annotations

from typing import Any


class ContractOverrideError(TypeError):
    """A subclass of a contract kit replaced a contract test without ``xfail(reason=...)``."""


def _is_contract_kit(klass: type) -> bool:
    return bool(vars(klass).get("__contract_kit__", False))


def contract_tests(cls: type) -> dict[str, type]:
    """Contract test names reachable from ``cls``, each mapped to the kit that defines it."""
    tests: dict[str, type] = {}
    for klass in reversed(cls.__mro__):
        if _is_contract_kit(klass):
            for name, value in vars(klass).items():
                if name.startswith("test") and callable(value):
                    tests[name] = klass
    return tests


def xfail_reason(obj: Any) -> str | None:
    """The ``reason`` of an ``xfail`` mark on ``obj`` (``None`` when it has none)."""
    for mark in getattr(obj, "pytestmark", []):
        if getattr(mark, "name", None) == "xfail":
            reason = mark.kwargs.get("reason", "")
            if isinstance(reason, str) and reason.strip():
                return reason
    return None


def unmarked_overrides(cls: type) -> list[str]:
    """One message per contract test that ``cls`` itself overrides without ``xfail(reason=...)``."""
    if _is_contract_kit(cls):
        return []
    problems = []
    for name, kit in contract_tests(cls).items():
        if name in vars(cls) and xfail_reason(vars(cls)[name]) is None:
            problems.append(
                f"{cls.__qualname__}.{name} overrides the contract test {kit.__name__}.{name}; "
                f'mark the override @pytest.mark.xfail(reason="...") or remove it'
            )
    return problems


class Contract:
    """Base class of contract kits; checks each subclass with :func:`unmarked_overrides`.

    A kit sets ``__contract_kit__ = True`` in its own class body; classes that subclass
    a kit (the plugin's tests) do not.
    """

    __contract_kit__ = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        problems = unmarked_overrides(cls)
        if problems:
            raise ContractOverrideError("; ".join(problems))
