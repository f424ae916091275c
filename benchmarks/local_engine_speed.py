"""Load time and decoding speed of the two local engines on the same GGUF models, side by side.

Each model of ``make local-models`` answers the same planner-sized request (a ~1,400-token prompt,
greedy, a fixed number of answer tokens) through the ``transformers`` backend (the GGUF dequantised to
float32) and the ``llama-cpp`` backend (quantised), one after the other on one thread::

    OMP_NUM_THREADS=1 python benchmarks/local_engine_speed.py --rounds 2 --tokens 64

Prints a markdown table: load seconds, seconds per request, answer tokens per second (prompt reading
included: answer tokens over the request's seconds), and the ratio to transformers.
"""

from __future__ import annotations

import argparse
import statistics
import time

from rlgpt import Message, Request, SamplingParams
from rlgpt_transformers import LlamaCppLLM, TransformersLLM

PROMPT = (
    "You plan for an agent in Crafter. "
    + "Moving towards a free cell walks there; towards a blocked cell it only turns you. " * 70
    + "List the sub-tasks to make a wood pickaxe."
)
ENGINES = {"transformers": TransformersLLM, "llama-cpp": LlamaCppLLM}


def measure(engine: str, model: str, tokens: int, rounds: int) -> dict[str, float]:
    """Load ``model`` on ``engine``, answer the request ``rounds`` times; seconds and tokens per second."""
    started = time.perf_counter()
    llm = ENGINES[engine](model, constrained=False)
    load_s = time.perf_counter() - started
    request = Request((Message("user", PROMPT),), SamplingParams(temperature=0.0, max_tokens=tokens))
    seconds, speeds, prompt_tokens = [], [], 0
    try:
        for _ in range(rounds):
            completion = llm.complete(request)
            seconds.append(completion.latency_s)
            speeds.append(completion.usage.completion_tokens / completion.latency_s)
            prompt_tokens = completion.usage.prompt_tokens
    finally:
        llm.close()
    return {
        "load_s": load_s,
        "request_s": statistics.median(seconds),
        "tokens_per_s": statistics.median(speeds),
        "prompt_tokens": prompt_tokens,
    }


def main() -> None:
    """Measure every model on both engines and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="smollm2-135m,qwen2.5-coder-0.5b")
    parser.add_argument("--tokens", type=int, default=64, help="answer tokens per request")
    parser.add_argument("--rounds", type=int, default=2, help="requests per engine and model")
    args = parser.parse_args()
    print(
        "| model | engine | prompt tokens | load (s) | s per request "
        "| answer tokens/s (prompt included) | vs transformers |"
    )
    print("|---|---|---|---|---|---|---|")
    for model in args.models.split(","):
        results = {engine: measure(engine, model, args.tokens, args.rounds) for engine in ENGINES}
        base = results["transformers"]["tokens_per_s"]
        for engine, r in results.items():
            print(
                f"| {model} | {engine} | {r['prompt_tokens']:,} | {r['load_s']:.1f} | {r['request_s']:.1f} "
                f"| {r['tokens_per_s']:.1f} | {r['tokens_per_s'] / base:.1f}x |"
            )


if __name__ == "__main__":
    main()
