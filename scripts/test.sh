#!/usr/bin/env bash
# Run the test suite (sets up .venv on first use): bash scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
source scripts/chromium.sh
source scripts/celery-services.sh
"$VENV/bin/python" -m pytest "$@"
