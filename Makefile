# The README's commands: make demo, make test (and bench, lint, local-models).
VENV ?= .venv
PY = $(VENV)/bin/python
PYTHON ?= python3
# The committed Crafter comparison (benchmarks/results/crafter); pass your own to change it.
BENCH_ARGS ?= --config examples/crafter-stone-pickaxe.toml --tasks make_wood_pickaxe,make_stone_pickaxe \
	--methods rl-gpt,pure-rl,pure-code --seeds 0,1,2 --budget 20000 --out benchmarks/results/crafter

export OMP_NUM_THREADS = 1
export MKL_NUM_THREADS = 1

# Distributions installed (editable) next to the core. Add yours here; folders that do not
# exist yet are skipped. The deliberately broken test plugins (tests/plugins/rlgpt-broken-plugin,
# tests/plugins/rlgpt-duplicate-plugin) are NOT listed: the core's tests install them into a
# throwaway folder, since in the venv they would break every rlgpt command.
DISTS = \
	tests/plugins/rlgpt-testenv \
	tests/plugins/rlgpt-example-plugin \
	plugins/rlgpt-sb3 \
	environments/rlgpt-crafter \
	environments/rlgpt-kitchen \
	environments/rlgpt-furniture \
	environments/rlgpt-driving \
	environments/rlgpt-minedojo \
	llm_backends/rlgpt-openai \
	llm_backends/rlgpt-anthropic \
	llm_backends/rlgpt-transformers \
	llm_backends/rlgpt-vllm
PRESENT_DISTS = $(patsubst %/pyproject.toml,%,$(wildcard $(addsuffix /pyproject.toml,$(DISTS))))
STAMP = $(VENV)/.rlgpt-installed

.PHONY: venv install demo test lint bench local-models

venv: $(PY)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when a pyproject.toml or the pins change; pip upgrades nothing already satisfied.
$(STAMP): $(PY) constraints.txt pyproject.toml $(addsuffix /pyproject.toml,$(PRESENT_DISTS))
	$(PY) -m pip install -c constraints.txt -e ".[test,ray,tensorboard,wandb]" $(addprefix -e ,$(PRESENT_DISTS))
	touch $@

install: $(STAMP)

demo: install
	$(VENV)/bin/rlgpt run examples/crafter-stone-pickaxe.toml

lint: install
	$(VENV)/bin/ruff check .

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -m "not local_models and not ray_cluster"
	$(VENV)/bin/pytest -m ray_cluster

bench: install
	$(VENV)/bin/rlgpt bench $(BENCH_ARGS)

local-models: install
	$(PY) -m pip install -c constraints.txt -e "llm_backends/rlgpt-transformers[llama-cpp]"
	$(PY) -m rlgpt_transformers.local_models install
