#!/usr/bin/env bash
# Installs and starts what the tests need on a Debian machine (as root): each step is skipped when done.
# Sections are added by the features that need them (Docker engine, Chromium).
set -euo pipefail
echo "services: ready"
