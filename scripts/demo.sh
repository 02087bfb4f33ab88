#!/usr/bin/env bash
# Install everything and start the demo: SQLite under var/, the demo region, http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec .venv/bin/marshrut demo "$@"
