#!/usr/bin/env bash
# Dependencies of the browser tests (tests/browser): Debian's Chromium and the playwright package;
# also pdftotext (poppler-utils), read by the statement PDF test.
# Idempotent and quiet: does nothing when both are there. Playwright's own browser download is never
# used (`playwright install` does not work on these machines): the tests drive /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
CHROMIUM="${FORMARCHE_CHROMIUM:-/usr/bin/chromium}"

if [ ! -x "$CHROMIUM" ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
      echo "Chromium absent ($CHROMIUM) et pas de droits root : apt-get install chromium" >&2
      exit 1
    fi
  fi
  echo "Installation de Chromium (Debian)…"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ ! -x "$CHROMIUM" ]; then
  echo "Chromium introuvable après installation ($CHROMIUM)." >&2
  exit 1
fi

# pdftotext (poppler-utils): the statement PDF test reads the PDF's text with it.
if ! command -v pdftotext >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi
  echo "Installation de pdftotext (poppler-utils, Debian)…"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq poppler-utils >/dev/null \
    || { $SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq poppler-utils >/dev/null; }
fi

if [ ! -x .venv/bin/python ]; then
  bash scripts/setup.sh
fi
if ! .venv/bin/python -c "import playwright.sync_api" >/dev/null 2>&1; then
  echo "Installation du paquet Python playwright (sans téléchargement de navigateur)…"
  .venv/bin/python -m pip install --quiet -c requirements.lock "playwright>=1.65"
fi
