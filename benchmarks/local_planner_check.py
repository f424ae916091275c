"""Ask a local model for Crafter plans, with and without constrained decoding, and time it.

    python benchmarks/local_planner_check.py --model qwen2.5-coder-0.5b --tasks collect_drink,place_furnace
    python benchmarks/local_planner_check.py --engine llama-cpp ...   # needs llama-cpp-python

For each task it asks the default planner's prompt (with the worked example from the reference
transcript) with the answer constrained to the plan schema (and, with ``--unconstrained``, without),
greedy, and prints one markdown row per answer: whether the plan is valid (and why not), prompt and
answer tokens, seconds and answer tokens per second. Nothing is cached. ``--engine transformers``
is the ``transformers`` backend (llguidance masks); ``llama-cpp`` the ``llama-cpp`` backend (the same
GGUF file quantised, llama.cpp's JSON-schema grammar).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from rlgpt.agents import MalformedAnswer
from rlgpt.agents.base import PlanningContext
from rlgpt.agents.builtin import DefaultPlanner
from rlgpt.agents.conversation import prompt_version
from rlgpt.llm import Completion, Request
from rlgpt.plugins import PluginSelection

REFERENCE = Path(__file__).parents[1] / "examples" / "transcripts" / "crafter.jsonl"


class Timed:
    """Wraps an LLM and keeps its last completion (for tokens and seconds)."""

    def __init__(self, inner, constrained: bool) -> None:
        self.inner, self.constrained = inner, constrained
        self.backend, self.model, self.supports_images = inner.backend, inner.model, False
        self.output_kinds = inner.output_kinds if constrained else frozenset()
        self.completions: list[Completion] = []

    def complete(self, request: Request) -> Completion:
        if not self.constrained:
            request = Request(request.messages, request.params, request.tags)
        completion = self.inner.complete(request)
        self.completions.append(completion)
        return completion


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--tasks", default="collect_drink,place_furnace,defeat_zombie")
    parser.add_argument("--max-tokens", type=int, default=768)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--unconstrained", action="store_true", help="also ask without the grammar")
    parser.add_argument("--examples", type=Path, default=REFERENCE, help="reference transcript")
    parser.add_argument("--engine", choices=("transformers", "llama-cpp"), default="transformers")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from rlgpt_transformers import LlamaCppLLM, TransformersLLM

    env = PluginSelection().registry().environment("crafter")
    started = time.perf_counter()
    if args.engine == "llama-cpp":
        llm = LlamaCppLLM(args.model, threads=args.threads)
    else:
        llm = TransformersLLM(args.model, device="cpu", threads=args.threads)
    loaded_s = time.perf_counter() - started
    print(f"{args.model} on {args.engine}: loaded in {loaded_s:.0f} s, prompts {prompt_version()}")
    print("| task | constrained | plan | prompt tokens | answer tokens | seconds | tokens/s |")
    print("|---|---|---|---|---|---|---|")
    for task_id in args.tasks.split(","):
        task = next(t for t in env.tasks if t.id == task_id)
        for constrained in (True, False) if args.unconstrained else (True,):
            timed = Timed(llm, constrained)
            planner = DefaultPlanner(timed, max_tokens=args.max_tokens, examples=args.examples)
            try:
                plan = planner.plan(PlanningContext(env=env, task=task), {"role": "planner"})
                verdict = "valid: " + ", ".join(f"{s.name} ({s.method})" for s in plan.subtasks)
            except MalformedAnswer as exc:
                verdict = f"unusable: {exc.error[:120]}"
            for completion in timed.completions:
                usage = completion.usage
                rate = usage.completion_tokens / completion.latency_s if completion.latency_s else 0.0
                print(
                    f"| {task_id} | {'yes' if constrained else 'no'} | {verdict} | {usage.prompt_tokens} "
                    f"| {usage.completion_tokens} | {completion.latency_s:.0f} | {rate:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
