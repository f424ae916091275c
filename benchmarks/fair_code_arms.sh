#!/usr/bin/env bash
# Code arms written to the standard of the rl-gpt answers, on the kitchen and the furniture, beside rl-gpt
# with its controls (its plan with the coded actions chosen by fixed rules, SAC's untrained network).
# The pure-code programs of examples/transcripts/{kitchen,furniture}.jsonl go back to the contact spot
# before every push and search when a push makes no progress (kitchen), or step away from the rim contact
# and probe a small spiral (furniture). Finished trials are skipped, so the script resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
RLGPT=${RLGPT:-.venv/bin/rlgpt}
PYTHON=${PYTHON:-.venv/bin/python}
SEEDS=${SEEDS:-0,1,2,3,4}
export OMP_NUM_THREADS=1 MUJOCO_GL=${MUJOCO_GL:-egl}

KITCHEN=${KITCHEN:-benchmarks/results/kitchen-fair-code}
RLGPT_LOAD_PLUGINS=kitchen,sb3 "$RLGPT" bench --config examples/kitchen-microwave.toml \
    --tasks light_switch,microwave,kettle,slide_cabinet,all_four --methods pure-code \
    --seeds "$SEEDS" --budget 1 --out "$KITCHEN"
RLGPT_LOAD_PLUGINS=kitchen,sb3 "$RLGPT" bench --config examples/kitchen-microwave.toml \
    --tasks light_switch --methods rl-gpt --seeds "$SEEDS" --budget 3000 --out "$KITCHEN"
RLGPT_LOAD_PLUGINS=kitchen,sb3 "$PYTHON" -m rlgpt.bench.controls "$KITCHEN"

FURNITURE=${FURNITURE:-benchmarks/results/furniture-fair-code}
RLGPT_LOAD_PLUGINS=furniture,sb3 "$RLGPT" bench --config examples/furniture-insert-one-leg.toml \
    --tasks insert_one_leg --methods rl-gpt,pure-code --seeds "$SEEDS" --budget 2000 --out "$FURNITURE"
RLGPT_LOAD_PLUGINS=furniture,sb3 "$PYTHON" -m rlgpt.bench.controls "$FURNITURE"
