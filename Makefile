# The two commands a new user needs: `make demo` and `make test`.
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv

.PHONY: demo test lint format bench bench-peers venv mutation

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

test: lint
	$(VENV)/bin/pytest
	scripts/with-postgres.sh $(VENV)/bin/pytest -m "not browser and not spark"

bench-peers: $(UV)
	test -x .bench-peers/bin/python || $(UV) venv --quiet --python 3.11 .bench-peers
	VIRTUAL_ENV=.bench-peers $(UV) pip install --quiet -r benchmarks/peers/requirements.txt

# Mutation testing of the modules that carry Pacer's promises, one module after another
# (slow: hours on 2 cores). `make mutation MUTATION_FILES=pacer/core/feed.py` runs one.
# Results per module and how to read them: docs/testing.md.
MUTATION_FILES ?= $(wildcard pacer/*/actions.py) pacer/people/resolution.py \
	pacer/people/profiles.py pacer/ingest/processing.py pacer/warehouse/sync.py \
	pacer/warehouse/store.py pacer/metrics/cube.py pacer/core/api_auth.py pacer/core/feed.py
mutation: venv
	for module in $(subst /,.,$(MUTATION_FILES:.py=)); do \
		PACER_PROPERTY_EXAMPLES=20 $(VENV)/bin/mutmut run --max-children 1 "$$module.*" \
			|| exit 1; \
	done
	$(VENV)/bin/mutmut results --all true | awk -F': ' '{ split($$1, p, "."); \
		m = p[1] "." p[2] "." p[3]; sub(/^ +/, "", m); n[m]++; c[m, $$2]++ } END { \
		for (m in n) printf "%-28s %4d mutants %4d killed %4d survived %4d no tests\n", \
		m, n[m], c[m, "killed"], c[m, "survived"], c[m, "no tests"] }' | sort
