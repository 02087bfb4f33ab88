#!/usr/bin/env bash
# The streaming-replica test (tests/lib/test_replica.py) against a throw-away primary of its own,
# for a PostgreSQL server that refuses replication connections (no «host replication» line in its
# pg_hba.conf): initdb into a temporary directory with replication allowed on loopback, start it on
# a free port, run the test there (which copies it with pg_basebackup into a standby), remove both.
# Needs the server binaries (Debian package postgresql-NN); under root they run as «postgres».
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$BIN/initdb" ] || { echo "Нет программ сервера PostgreSQL (initdb, pg_ctl): пакет postgresql" >&2; exit 1; }
PY=${PYTHON:-$(if [ -x .venv/bin/python ]; then echo .venv/bin/python; else echo python3; fi)}
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

dir=$(mktemp -d /tmp/marshrut-primary-XXXXXX)
[ "$(id -u)" -ne 0 ] || chown postgres "$dir"
cleanup() { as_pg "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$BIN/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w start \
  -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c fsync=off" >/dev/null
DATABASE_URL="postgres://postgres@127.0.0.1:$port/marshrut" PG_BINDIR="$BIN" \
  "$PY" -m pytest -q -rs -p no:cacheprovider tests/lib/test_replica.py "$@"
