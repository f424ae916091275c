#!/usr/bin/env bash
# The imperfect-code experiment: success against code quality (Crafter's basic skill level by default).
#
# Each level degrades every program the coder writes with the mutations of rlgpt.code.mutations at one
# rate (0 = the reference programs as written). Per level: rl-gpt (the programs as coded actions beside
# the kept primitives, the learner on top) and pure-code (the programs alone), then the controls of every
# rl-gpt trial (its plan with the coded actions chosen by fixed rules); pure-rl needs no code and runs
# once, with the first level, in the same command (so that level's results.md has every method).
# The rate is per mutation site: at 0.1 the reference eat_cow programs (25 sites in rl-gpt's, 33 in
# pure-code's longer one) get 2.5 and 3.3 mistakes on average.
# Each level's controls run right after it. Finished trials and controls are skipped, so the script
# resumes. Settings come from the environment:
#   OUT (folder), RATES, TASKS, SEEDS, BUDGET (learner steps per trial), RLGPT (the rlgpt command),
#   CONFIG (the base run config, e.g. examples/furniture-insert-one-leg.toml), PLUGINS (the
#   plugins it needs), TRANSCRIPT (other reference answers than the config's; crafter-basic-keep-do.jsonl
#   is the basic-level plan that keeps "do"), LEARNER (another learner than the config's, with its own
#   default hyperparameters, e.g. ppo on the furniture), PURE_RL (0 to leave pure-rl out, when its line
#   is measured elsewhere), VALIDATION (N > 0: the controls also report what validating each trained
#   policy against its coded actions alone on N other worlds would deploy, rlgpt.policy_selection).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-benchmarks/results/quality-crafter-basic-20k}
RATES=${RATES:-"0 0.1 0.2"}
TASKS=${TASKS:-eat_cow}
SEEDS=${SEEDS:-0,1,2,3,4}
BUDGET=${BUDGET:-20000}
CONFIG=${CONFIG:-benchmarks/crafter-basic-long.toml}
RLGPT=${RLGPT:-.venv/bin/rlgpt}
PYTHON=${PYTHON:-.venv/bin/python}
export RLGPT_LOAD_PLUGINS=${PLUGINS:-crafter,sb3} OMP_NUM_THREADS=1
overrides=()
[ -z "${TRANSCRIPT:-}" ] || overrides=(--set "llm.options.transcript=$TRANSCRIPT")
[ -z "${LEARNER:-}" ] || overrides+=(--set "learner.name=$LEARNER")

# pure-rl writes no code: it runs once, at the first level (its line is flat in code quality)
methods=rl-gpt,pure-code
[ "${PURE_RL:-1}" = 0 ] || methods=$methods,pure-rl
for rate in $RATES; do
    "$RLGPT" bench --config "$CONFIG" --tasks "$TASKS" --methods "$methods" --seeds "$SEEDS" \
        --budget "$BUDGET" --set "code.mutation_rate=$rate" "${overrides[@]}" --out "$OUT/m$rate"
    "$PYTHON" -m rlgpt.bench.controls "$OUT/m$rate" --validation-episodes "${VALIDATION:-0}"
    methods=rl-gpt,pure-code
done
"$PYTHON" -m rlgpt.bench.quality $(for rate in $RATES; do echo "$OUT/m$rate"; done) --out "$OUT"
