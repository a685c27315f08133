PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The browser the page tests drive (Playwright with the system's Chromium, no browser download).
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
# BOT_SDK=agents, in the environment or .env, runs the bot on the Microsoft 365 Agents SDK (docs/sdks.md).
AGENTS_SDK := $(filter agents,$(or $(BOT_SDK),$(shell sed -n 's/^BOT_SDK=//p' .env 2>/dev/null)))

.PHONY: run test fuzz call clean
.PHONY: phone  # part: web-phone
.PHONY: bench  # part: benchmarks

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

$(VENV)/.agents: requirements-agents.txt | $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-agents.txt
	touch $@

$(CHROMIUM):
	@if [ "$(CHROMIUM)" = /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium at $(CHROMIUM). Install it (Debian/Ubuntu:" \
			"sudo apt-get install chromium) or point to one: make test CHROMIUM=/path/to/chromium" >&2; \
		exit 1; \
	fi

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

run: $(VENV)/.runtime $(if $(AGENTS_SDK),$(VENV)/.agents)
	$(BIN)/python app.py

# The whole suite on botbuilder, then what needs no WebSocket on the Agents SDK (tests/conftest.py).
test: $(VENV)/.dev $(VENV)/.agents node_modules/.installed
	BOT_SDK=botbuilder $(BIN)/python -m pytest
	BOT_SDK=agents $(BIN)/python -m pytest
test: $(CHROMIUM)  # part: web-phone

call: $(VENV)/.runtime node_modules/.installed
	$(BIN)/python -m simulator call

phone: $(VENV)/.runtime node_modules/.installed  # part: web-phone
	$(BIN)/python -m simulator.web  # part: web-phone

# The fuzz tests at full size (make test runs smaller ones): bodies, heads and streaming frames to
# the bot, deliveries, callbacks and heads to Call Automation. FUZZ_SEED=n picks another stream.
fuzz: $(VENV)/.dev node_modules/.installed
	FUZZ_REQUESTS=$${FUZZ_REQUESTS:-10000} $(BIN)/python -m pytest -s -q tests/test_fuzz.py
	FUZZ_REQUESTS=$${FUZZ_REQUESTS:-10000} $(BIN)/python -m pytest -s -q tests/callautomation/test_fuzz.py  # part: call-automation

# BASELINE=<commit> adds the bot as of that commit: a row, and telemetry's cost against it  # part: benchmarks
# in alternating rounds (CPU per turn) and in instructions per turn (Valgrind).  # part: benchmarks
bench: $(VENV)/.dev $(VENV)/.agents node_modules/.installed  # part: benchmarks
	$(BIN)/python -m benchmarks.run_all $(if $(BASELINE),--baseline $(BASELINE))  # part: benchmarks
	$(BIN)/python -m benchmarks.acs_path  # part: benchmarks, call-automation
	$(BIN)/python -m benchmarks.sdk_cpu  # part: benchmarks, call-automation
	$(BIN)/python -m benchmarks.telemetry_cost $(if $(BASELINE),--baseline $(BASELINE))  # part: benchmarks, telemetry
	$(BIN)/python -m benchmarks.instructions --on $(if $(BASELINE),--baseline $(BASELINE))  # part: benchmarks, telemetry

clean:
	rm -rf $(VENV) node_modules
