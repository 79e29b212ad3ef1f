# The two commands a new user needs: `make demo` and `make test`.
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv

.PHONY: demo test lint format bench bench-peers venv

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
