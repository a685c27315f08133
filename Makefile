PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test fuzz bench call clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

run: $(VENV)/.runtime
	$(BIN)/python app.py

test: $(VENV)/.dev node_modules/.installed
	$(BIN)/python -m pytest

call: $(VENV)/.runtime node_modules/.installed
	$(BIN)/python -m simulator call

# The fuzz test at full size (make test runs a smaller one); FUZZ_SEED=n picks another stream.
fuzz: $(VENV)/.dev node_modules/.installed
	FUZZ_REQUESTS=$${FUZZ_REQUESTS:-10000} $(BIN)/python -m pytest -s -q tests/test_fuzz.py

bench: $(VENV)/.dev node_modules/.installed
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) node_modules
