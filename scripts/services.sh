#!/usr/bin/env bash
# Installs and starts what the tests need on a Debian machine (as root): each step is skipped when done.
# Sections are added by the features that need them (Docker engine, Chromium).
set -euo pipefail

# --- Chromium (headless), for the HTML report tests (tests/fixtures/browser.py) ---
if [ ! -x /usr/bin/chromium ]; then
    echo "services: installing chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

echo "services: ready"
