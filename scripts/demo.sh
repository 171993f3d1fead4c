#!/usr/bin/env bash
# Quick start 1: set up, migrate a SQLite database under var/, load the demo world, serve on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
unset DATABASE_URL
export DJANGO_SETTINGS_MODULE=config.settings.dev
exec .venv/bin/formarche demo "$@"
