# The two commands a new user needs: `make demo` and `make test`.
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv

.PHONY: demo test lint format bench bench-peers venv mutation screenshots

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	touch $@

venv: $(VENV)/.synced

demo: venv
	$(VENV)/bin/pacer demo

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The suite on SQLite (with Spark and Chromium) and on PostgreSQL, both at once.
test: lint
	scripts/test-suites.sh $(VENV)/bin/pytest

# Every page's browser walk, saving each page at 390 and 1440 px for a person to look at.
screenshots: venv
	PACER_SCREENSHOTS=/tmp/pacer-screenshots PACER_DATA_DIR=$(CURDIR)/var/screenshots \
		$(VENV)/bin/pytest -m browser -p no:cacheprovider
	@echo "screenshots in /tmp/pacer-screenshots"

bench-peers: $(UV)
	test -x .bench-peers/bin/python || $(UV) venv --quiet --python 3.11 .bench-peers
	VIRTUAL_ENV=.bench-peers $(UV) pip install --quiet -r benchmarks/peers/requirements.txt

# Mutation testing of the modules that carry Pacer's promises, one module after another,
# each against the tests that exercise it (scripts/mutation.py; its own mutants directory
# under var/mutants). `make mutation MUTATION_FILES=pacer/core/feed.py` runs one.
# Results per module and how to read them: docs/testing.md.
MUTATION_FILES ?= pacer/core/feed.py pacer/core/actions.py pacer/core/api_auth.py \
	pacer/ingest/processing.py pacer/ingest/actions.py pacer/people/resolution.py \
	pacer/people/profiles.py pacer/people/actions.py pacer/warehouse/store.py \
	pacer/warehouse/sync.py pacer/experiments/actions.py pacer/metrics/cube.py \
	pacer/segments/feed.py pacer/segments/incremental.py pacer/messaging/delivery.py \
	$(filter-out pacer/core/actions.py pacer/ingest/actions.py pacer/people/actions.py \
	pacer/experiments/actions.py, $(wildcard pacer/*/actions.py))
mutation: venv
	for module in $(MUTATION_FILES); do \
		PACER_PROPERTY_EXAMPLES=20 $(VENV)/bin/python scripts/mutation.py run $$module \
			|| exit 1; \
	done
	$(VENV)/bin/python scripts/mutation.py summary $(MUTATION_FILES)
