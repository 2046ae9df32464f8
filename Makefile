# Podium's developer commands. `make up` runs the example app; `make test` runs what CI runs.
# Every target works as root without a terminal (CI runs `bash .ci/run` with CI=true).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
GRADIO_VENV := .venv-gradio

# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k queue -x"`.
PYTEST_ARGS ?=
# Seconds one test may run before pytest-timeout fails it.
PYTEST_TIMEOUT ?= 120
# Extra arguments for load/bench_sdk.py, e.g. `make bench BENCH_ARGS="--only podium --duration 5"`.
BENCH_ARGS ?=
# The app `make up` runs.
APP ?= docs/examples/hello/app.py

.PHONY: help setup gradio-venv build-frontend lint test test-frontend up up-app bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: ## install system packages (only missing ones) and .venv with podium (editable) and dev tools
	@bash scripts/setup.sh

gradio-venv: ## create .venv-gradio with the real Gradio, for side-by-side benchmarks
	@bash scripts/setup.sh gradio-venv

build-frontend: setup ## rebuild the browser UI into frontend_dist/build/app and the console into build/console (setup does it when sources change)
	cd frontend_dist && npm run build

lint: setup ## ruff over the Python sources, mypy over sdk/podium, the tunnel and the control plane
	$(VENV)/bin/ruff check sdk tunnel controlplane services migrations tests load docs/examples
	$(VENV)/bin/mypy

test-frontend: setup ## type-check the frontend and run its unit tests (Vitest)
	cd frontend_dist && npm test

test: setup lint test-frontend ## setup + lint + frontend unit tests + the whole test suite
	@# pytest exits 5 when it collected no tests: that is a failure here, not a pass.
	@# The browser tests run in a pytest process of their own: Playwright's sync API keeps an event loop
	@# running in the main thread, which would break the asyncio.run() of the other tests.
	@rc=0; $(PY) -m pytest tests/ --ignore=tests/e2e -q --timeout=$(PYTEST_TIMEOUT) $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	[ $$rc -eq 0 ] || exit $$rc; \
	if [ -d tests/e2e ]; then \
		$(PY) -m pytest tests/e2e -q --timeout=$(PYTEST_TIMEOUT) $(PYTEST_ARGS) || rc=$$?; \
		if [ $$rc -eq 5 ]; then rc=0; fi; \
	fi; \
	exit $$rc

up: setup ## the single-machine Spaces platform (Postgres, Podman, API, builder, reconciler, router, example Spaces) until Ctrl-C
	@echo "make up: starting the Spaces platform (data in .podium-data; the first start builds the Space base image, a minute or two); Ctrl-C stops it"
	@exec $(PY) -m podium_services.platform --app $(APP)

up-app: setup ## only the example app (no platform), in the foreground until Ctrl-C
	@exec $(PY) $(APP)

bench: setup gradio-venv ## Podium vs Gradio side by side on the same app (load/bench_sdk.py)
	@test -f load/bench_sdk.py || { echo "make bench: load/bench_sdk.py does not exist yet" >&2; exit 1; }
	PODIUM_GRADIO_PYTHON=$(GRADIO_VENV)/bin/python $(PY) load/bench_sdk.py $(BENCH_ARGS)

clean: ## remove the venvs, caches and build outputs
	rm -rf $(VENV) $(GRADIO_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist
	rm -rf frontend_dist/node_modules frontend_dist/build
	find . -path ./.git -prune -o \( -name __pycache__ -o -name '*.egg-info' \) -type d -prune -exec rm -rf {} +
