"""Safe handling of LLM-generated code: extraction, an AST allow-list, limited execution, dry runs.

Typical use::

    program = extract_program(reply, {"chop_tree": FunctionSignature(("api",))})
    compiled = compile_program(program)          # re-checks the policy, restricted builtins
    result = call_with_limits(compiled.function("chop_tree"), api, timeout_s=2.0)

Every refusal is a :class:`CodeRejected` whose ``message`` is meant for the LLM coder.
This package knows nothing of prompts, agents or the loop.
"""

from rlgpt.code.dryrun import DryRunResult, DryRunSpec, dry_run
from rlgpt.code.errors import REJECT_REASONS, CodeRejected, CodeTimeout, RejectReason
from rlgpt.code.extract import FunctionSignature, Program, extract_program, normalised_digest
from rlgpt.code.host import CodeHost, HostLimits
from rlgpt.code.limits import call_with_limits
from rlgpt.code.policy import DEFAULT_ALLOWED_MODULES, FORBIDDEN_NAMES, check_policy
from rlgpt.code.sandbox import SAFE_BUILTINS, CompiledProgram, compile_program

__all__ = [
    "DEFAULT_ALLOWED_MODULES",
    "FORBIDDEN_NAMES",
    "REJECT_REASONS",
    "SAFE_BUILTINS",
    "CodeHost",
    "CodeRejected",
    "CodeTimeout",
    "CompiledProgram",
    "DryRunResult",
    "DryRunSpec",
    "FunctionSignature",
    "HostLimits",
    "Program",
    "RejectReason",
    "call_with_limits",
    "check_policy",
    "compile_program",
    "dry_run",
    "extract_program",
    "normalised_digest",
]
