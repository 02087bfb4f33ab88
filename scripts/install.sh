#!/usr/bin/env bash
# Install Маршрут into .venv inside the checkout: Python packages from the lock files, front-end
# assets (Bootstrap, htmx) from the npm registry. Pass "dev" to add what the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."

with_sudo() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  command -v apt-get >/dev/null || { echo "Установите вручную: $*" >&2; exit 1; }
  [ -n "${APT_UPDATED:-}" ] || { with_sudo apt-get update -qq; APT_UPDATED=1; }
  with_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || { echo "Нужен Python 3.11 (найден: $("$PYTHON" --version))" >&2; exit 1; }
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null || apt_install python3.11-venv
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
lock=requirements.lock
[ "${1:-}" = "dev" ] && lock=requirements-dev.lock
.venv/bin/python -m pip install -q --disable-pip-version-check -r "$lock"
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .

command -v npm >/dev/null || apt_install nodejs npm
npm ci --no-audit --no-fund --loglevel=error
.venv/bin/python -m marshrut.analytics.bundle >/dev/null  # the chart library, served locally

# PDF reports: WeasyPrint needs Pango, and the documents ask for Times New Roman, which
# Liberation Serif stands in for on Linux with the same metrics.
.venv/bin/python -c 'import weasyprint' 2>/dev/null && fc-list 2>/dev/null | grep -q "Liberation Serif" \
  || apt_install libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-liberation

# marshrut backup/restore on PostgreSQL run pg_dump and pg_restore: Debian's client, whose major
# version must be at least the server's (bookworm ships 15, trixie 17).
command -v pg_dump >/dev/null || apt_install postgresql-client

# Scanned orders (image-only PDFs) are read with Tesseract and its Russian data.
{ command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx rus; } \
  || apt_install tesseract-ocr tesseract-ocr-rus

if [ "${1:-}" = "dev" ]; then
  # Browser tests drive Debian's Chromium through Playwright; no browser download.
  [ -x /usr/bin/chromium ] || apt_install chromium fonts-dejavu-core
  # The tests of generated PDFs read them with poppler: pdfinfo, pdftotext, pdftoppm.
  command -v pdftoppm >/dev/null || apt_install poppler-utils
  # bench/bench_web.py and bench/bench_pages.py load the web server with wrk.
  command -v wrk >/dev/null || apt_install wrk
fi
