#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL started from the machine's binaries.
# Usage: scripts/with-postgres.sh pytest ...   (sets PACER_DATABASE_URL for the command)
set -euo pipefail
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "PostgreSQL binaries not found (apt-get install postgresql; .ci/run does this)" >&2
  exit 1
fi
PORT=${PACER_PG_PORT:-54329}
DIR=$(mktemp -d /tmp/pacer-pg.XXXXXX)
chmod 755 "$DIR"
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
# A server for tests: no durability (fsync, full pages), no JIT compiling of queries, no
# autovacuum, minimal WAL. (Measured on tests/planning and tests/people, 438 tests: the
# server's CPU was 38-41 s either way; a Unix socket instead of TCP changed nothing either.)
SETTINGS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c jit=off \
  -c autovacuum=off -c wal_level=minimal -c max_wal_senders=0"
as_pg "$PG_BIN/initdb" -D "$DIR/data" -U postgres -A trust --no-sync >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 $SETTINGS" start >/dev/null
# The server's CPU seconds so far (its own and its finished backends'), from /proc.
server_cpu() {
  local pid
  pid=$(head -n 1 "$DIR/data/postmaster.pid" 2>/dev/null) || return 0
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($14 + $15 + $16 + $17) / hz}' "/proc/$pid/stat" 2>/dev/null
}
cleanup() {
  [ -n "${PACER_TEST_CPU_LOG:-}" ] && echo "PostgreSQL server CPU: $(server_cpu) s"
  as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
export PACER_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/pacer"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on port $PORT"
"$@"
