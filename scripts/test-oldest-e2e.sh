#!/usr/bin/env bash
# The event watcher end to end on the oldest supported Airflow minor, where its watermark is an
# Airflow Variable (3.3+ keeps it in the asset state store, which the README's test command proves):
# bash scripts/test-oldest-e2e.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/airflow-minors.sh
MINOR=${AIRFLOW_MINORS[0]}
source scripts/matrix-venv.sh
"$VENV/bin/python" -m pytest tests/e2e/test_event_watcher.py "$@"
