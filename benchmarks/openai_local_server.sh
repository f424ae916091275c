#!/usr/bin/env bash
# The openai backend against llama-cpp-python's OpenAI-compatible server, on a packaged local model:
# start the server, run one live task through it (structured output detected and enforced by the server),
# stop the server. Needs `make local-models`. Usage:
#   benchmarks/openai_local_server.sh [TASK] [--set KEY=VALUE ...]
# e.g. benchmarks/openai_local_server.sh collect_drink --set runs_dir=runs/openai-server
set -euo pipefail
cd "$(dirname "$0")/.."
task="${1:-collect_drink}"; shift || true
model="${RLGPT_SERVER_MODEL:-qwen2.5-coder-1.5b}"
gguf=".local-models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
port="${RLGPT_SERVER_PORT:-8765}"
[ -f "$gguf" ] || { echo "error: $gguf is missing; run make local-models" >&2; exit 2; }
log="$(mktemp -t llama-server.XXXXXX.log)"
OMP_NUM_THREADS=1 .venv/bin/python -m llama_cpp.server --model "$gguf" --model_alias "$model" \
    --host 127.0.0.1 --port "$port" --n_ctx 8192 --n_threads 1 > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 120); do
    curl -sf "http://127.0.0.1:$port/v1/models" > /dev/null && break
    kill -0 $server 2>/dev/null || { echo "error: the server stopped; see $log" >&2; exit 1; }
    sleep 1
done
OMP_NUM_THREADS=1 .venv/bin/rlgpt run benchmarks/llm-live.toml --set task="$task" --set method=pure-code \
    --set planner=whole-task --set llm.examples=examples/transcripts/crafter-full-skills.jsonl \
    --set llm.backend=openai --set llm.model="$model" --set llm.options.base_url="http://127.0.0.1:$port/v1" \
    --set code.samples=3 "$@"
