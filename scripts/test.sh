#!/usr/bin/env bash
# Quick start 2: set up and run the whole test suite (SQLite, or the database in DATABASE_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/pytest "$@"
