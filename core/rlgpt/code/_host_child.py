"""Child side of :class:`rlgpt.code.host.CodeHost`: ``python -m rlgpt.code._host_child FD``.

Protocol over the socket ``FD`` (parent to child: pickle, child to parent: JSON):

- ``("load", source, skill_api, memory_mb, timeout_s)`` -> ``{"op": "loaded"}`` or ``{"op": "error"}``;
- ``("call", name, obs, info, budget, read_only, over, args)`` -> any number of ``{"op": "step",
  "action"}`` (each answered by ``("stepped", obs, reward, terminated, truncated, info)`` or
  ``("refused", exception name, message)``), then ``{"op": "return"}``, ``{"op": "control"}``
  or ``{"op": "error"}``.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import resource
import signal
import sys
from multiprocessing.connection import Connection
from typing import Any

from rlgpt._imports import load_object
from rlgpt.code._dryrun_child import _address_space, _lower
from rlgpt.code.errors import CodeRejected
from rlgpt.code.extract import extract_program
from rlgpt.code.host import CONTROL_EXCEPTIONS, encode_action, encode_return
from rlgpt.code.limits import call_with_limits
from rlgpt.code.sandbox import compile_program
from rlgpt.skills import Actuator

_PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> int:
    """Serve calls on the socket whose descriptor is ``argv[0]`` until it closes."""
    _die_with_parent()
    _lower(resource.RLIMIT_CORE, 0, 0)
    conn = Connection(int(argv[0]))
    functions: dict[str, Any] = {}
    api_cls: Any = None
    timeout_s = 2.0
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return 0
        if message[0] == "load":
            _, source, skill_api, memory_mb, timeout_s = message
            try:
                compiled = compile_program(extract_program(source, {}))
                functions = {name: compiled.function(name) for name in compiled.program.functions}
                api_cls = load_object(skill_api)
            except CodeRejected as exc:
                _reply(conn, {"op": "error", "error": exc.to_dict()})
                continue
            except Exception as exc:
                error = CodeRejected("crashed", f"the code's process could not load the program: {exc}")
                _reply(conn, {"op": "error", "error": error.to_dict()})
                continue
            address_space = _address_space() + int(memory_mb) * 2**20
            _lower(resource.RLIMIT_AS, address_space, address_space)
            _reply(conn, {"op": "loaded"})
        elif message[0] == "call":
            _, name, obs, info, budget, read_only, over, args = message
            actuator = Actuator(
                step=None if read_only else _remote_step(conn),
                obs=obs,
                info=info,
                budget=budget,
                read_only=read_only,
                terminated=over,
            )
            _reply(conn, _call(functions[name], api_cls(actuator), args, timeout_s))


def _call(function: Any, api: Any, args: tuple[Any, ...], timeout_s: float) -> dict[str, Any]:
    try:
        value = call_with_limits(function, api, *args, timeout_s=timeout_s)
        return {"op": "return", **encode_return(function.__name__, value)}
    except CodeRejected as exc:
        return {"op": "error", "error": exc.to_dict()}
    except tuple(CONTROL_EXCEPTIONS.values()) as exc:
        return {"op": "control", "name": type(exc).__name__, "message": str(exc)}


def _remote_step(conn: Connection) -> Any:
    def step(action: Any) -> tuple[Any, ...]:
        try:
            encoded = encode_action(action)
        except ValueError as exc:
            raise TypeError(str(exc)) from None
        _reply(conn, {"op": "step", "action": encoded})
        answer = conn.recv()
        if answer[0] == "refused":
            _, name, text = answer
            raise CONTROL_EXCEPTIONS.get(name, ValueError)(text)
        _, obs, reward, terminated, truncated, info = answer
        return obs, reward, terminated, truncated, info

    return step


def _reply(conn: Connection, message: dict[str, Any]) -> None:
    conn.send_bytes(json.dumps(message, default=repr).encode("utf-8", "backslashreplace"))


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (elsewhere, EOF on the socket ends it)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
