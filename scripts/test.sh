#!/usr/bin/env bash
# Install what the tests need and run the whole suite: lint, types, migrations check, then the tests
# on SQLite and on PostgreSQL (DATABASE_URL_POSTGRES, default the server on 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh dev
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"; ruff check --quiet . && ruff format --check --quiet .
echo "== mypy"; DEBUG=1 mypy marshrut
echo "== migrations"; DEBUG=1 marshrut makemigrations --check --dry-run >/dev/null

PG_URL=${DATABASE_URL_POSTGRES:-postgres://postgres@127.0.0.1:5432/marshrut}
echo "== tests on SQLite"
env -u DATABASE_URL pytest -q -n 2 "$@"
if [ "${SKIP_POSTGRES:-0}" = 1 ]; then
  echo "== PostgreSQL skipped (SKIP_POSTGRES=1)"
else
  echo "== tests on PostgreSQL ($PG_URL)"
  DATABASE_URL=$PG_URL pytest -q -n 2 "$@"
  # The streaming-replica test skips on a server that refuses replication connections; with the
  # server binaries at hand it runs once more against a throw-away primary of its own.
  if [ "${SKIP_REPLICA:-0}" != 1 ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "== streaming replica (its own primary)"; scripts/replica-test.sh
  fi
fi
