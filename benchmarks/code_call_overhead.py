"""Cost of running generated code in a supervised child process vs in the stepping process.

The same program (a coded action that takes ``--macro-steps`` primitive steps, and a
done condition that reads ``info``) is called two ways, interleaved in rounds so that
machine noise hits both alike:

- ``in-process``: compiled here, each call under :func:`rlgpt.code.call_with_limits`
  (a SIGALRM timer: stops Python loops, not C-level ones, no memory limit);
- ``hosted``: :class:`rlgpt.code.CodeHost` (a child process with its own memory limit,
  killed when a call overruns; each primitive step is a round trip);
- ``inline-done``: the default under process isolation: the macro hosted, the done condition
  (proven bounded) called here under the timer and a memory window
  (:class:`rlgpt.code.bounded.InlineCall`).

It prints microseconds per macro call and per done-condition call, and the ratio.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/code_call_overhead.py --env crafter --calls 300
"""

from __future__ import annotations

import argparse
import statistics
import time

from rlgpt.code import CodeHost, HostLimits, call_with_limits, compile_program, extract_program
from rlgpt.code.bounded import InlineCall, function_node, unbounded_reason
from rlgpt.execution import class_path
from rlgpt.plugins import get_registry
from rlgpt.skills import Actuator

SOURCE = """
def macro(api):
    for _ in range({steps}):
        if api.episode_over:
            return False
        api.act({action})
    return True


def done(api):
    return len(api.info) < 0
"""


def per_call_us(functions, spec, task: str, calls: int, macro_steps: int, seed: int) -> tuple[float, float]:
    """Mean microseconds per macro call and per done-condition call (env steps included in the former)."""
    env = spec.make(task=task, obs_mode=spec.observation_modes[0])
    obs, info = env.reset(seed=seed)
    macro_s = done_s = 0.0
    for _ in range(calls):
        actuator = Actuator(step=env.step, obs=obs, info=info, budget=macro_steps)
        started = time.perf_counter()
        functions["macro"](spec.skill_api(actuator))
        macro_s += time.perf_counter() - started
        obs, info = actuator.obs, actuator.info
        if actuator.terminated or actuator.truncated:
            obs, info = env.reset()
        observer = Actuator(step=None, obs=obs, info=info, read_only=True)
        started = time.perf_counter()
        functions["done"](spec.skill_api(observer))
        done_s += time.perf_counter() - started
    return macro_s / calls * 1e6, done_s / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="crafter")
    parser.add_argument("--task", default=None, help="task id (default: the env's first task)")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--macro-steps", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    spec = get_registry().environment(args.env)
    task = args.task or spec.tasks[0].id
    source = SOURCE.format(steps=args.macro_steps, action=0)
    program = extract_program(source, {})
    compiled = compile_program(program)
    in_process = {
        name: (lambda fn: lambda api: call_with_limits(fn, api, timeout_s=5.0))(compiled.function(name))
        for name in ("macro", "done")
    }
    host = CodeHost(source, class_path(spec.skill_api), HostLimits(timeout_s=5.0))
    hosted = {name: host.function(name) for name in ("macro", "done")}
    # the default under process isolation: the macro hosted, the bounded done condition inline
    done = InlineCall(compiled.function("done"), timeout_s=5.0, memory_mb=1024)
    assert unbounded_reason(function_node(source, "done"), compiled.namespace) is None
    inline = {"macro": hosted["macro"], "done": done}
    per_call_us(hosted, spec, task, 5, args.macro_steps, seed=0)  # start the children
    ways = (("in-process", in_process), ("hosted", hosted), ("inline-done", inline))
    results: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in ways}
    for round_ in range(args.rounds):
        for name, functions in ways:
            results[name].append(per_call_us(functions, spec, task, args.calls, args.macro_steps, round_))
    host.close()
    print(f"{args.env}/{task}: {args.calls} calls x {args.rounds} rounds, {args.macro_steps}-step macro")
    medians = {
        name: tuple(statistics.median(r[i] for r in rows) for i in (0, 1)) for name, rows in results.items()
    }
    for name, (macro_us, done_us) in medians.items():
        print(f"  {name:11s} macro call {macro_us:9.0f} us   done-condition call {done_us:7.0f} us")
    macro_ratio = medians["hosted"][0] / medians["in-process"][0]
    done_ratio = medians["hosted"][1] / medians["in-process"][1]
    print(f"  ratio hosted/in-process: macro call {macro_ratio:.2f}, done-condition call {done_ratio:.2f}")
    inline_ratio = medians["inline-done"][1] / medians["in-process"][1]
    print(f"  ratio inline/in-process: done-condition call {inline_ratio:.2f} (timer and memory window)")


if __name__ == "__main__":
    main()
