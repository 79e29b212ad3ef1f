#!/usr/bin/env bash
# The test suite on both databases at once. Every test runs on PostgreSQL, the production
# database (without the browser, Spark and demo tests: the demo runs on SQLite), in the
# background, logged to var/test-postgresql.log and printed when it ends. On SQLite, the
# embedded default, in the foreground: the tests whose outcome the database decides
# (crash, concurrency, property-based, SQL of our own, every API operation with hostile
# input, every page in Chromium, the demo; tests/selection.py, ADR 0012). The tests that
# touch no database run once, in the PostgreSQL run (PACER_SKIP_TESTS_WITHOUT_DATABASE).
# Each run has its own data directory, so they share no file, and runs in parallel
# workers (pytest-xdist; PACER_TEST_WORKERS per run, by default as many as the machine has
# cores: a worker waiting for its database, a browser or a process it started leaves its
# core to another), each with a data folder and test database of its own
# (tests/parallel.py); the workers steal tests from each other, so they finish together.
# The SQLite run makes its test database from the models (--nomigrations: a second or two
# instead of about a minute of CPU; see tests/database_setup.py); the PostgreSQL run
# applies every migration once (its workers copy the result) and runs the tests marked
# `migrations`, which the SQLite run leaves out. Fails when either fails.
# Usage: scripts/test-suites.sh PYTEST [PYTEST ARGUMENTS...] (the arguments go to both runs)
set -uo pipefail
PYTEST=${1:-.venv/bin/pytest}
shift || true
ROOT=$(pwd)
WORKERS=${PACER_TEST_WORKERS:-$(nproc)}
PARALLEL=(-n "$WORKERS" --dist worksteal)
mkdir -p var
# Compiled bytecode for both runs and every process they start, in one folder, whatever
# this machine's PYTHONDONTWRITEBYTECODE says (tests/conftest.py does the same for a
# plain pytest run).
export PYTHONPYCACHEPREFIX="$ROOT/var/pycache"
unset PYTHONDONTWRITEBYTECODE
LOG=var/test-postgresql.log
# With PACER_TEST_CPU_LOG=FILE, each run logs its tests' CPU time (tests/cpu_log.py) to
# FILE.sqlite and FILE.postgresql; scripts/test-cpu-report.py sums them.
CPU_LOG=${PACER_TEST_CPU_LOG:-}
PACER_TEST_CPU_LOG=${CPU_LOG:+$CPU_LOG.postgresql} \
  PACER_DATA_DIR="$ROOT/var/test-postgresql" scripts/with-postgres.sh \
  "$PYTEST" -m "not browser and not spark and not demo" -p no:cacheprovider --durations=40 "${PARALLEL[@]}" "$@" \
  >"$LOG" 2>&1 &
postgres_run=$!
echo "== on SQLite (the PostgreSQL run goes on beside it: $LOG)"
PACER_TEST_CPU_LOG=${CPU_LOG:+$CPU_LOG.sqlite} \
  PACER_SKIP_TESTS_WITHOUT_DATABASE=1 PACER_TEST_DATABASE_SENSITIVE_ONLY=1 PACER_DATA_DIR="$ROOT/var/test-sqlite" \
  "$PYTEST" --nomigrations --durations=40 "${PARALLEL[@]}" "$@"
sqlite_status=$?
wait "$postgres_run"
postgres_status=$?
echo "== on PostgreSQL (exit $postgres_status)"
cat "$LOG"
echo "== SQLite exit $sqlite_status, PostgreSQL exit $postgres_status"
[ "$sqlite_status" -eq 0 ] && [ "$postgres_status" -eq 0 ]
