#!/usr/bin/env bash
# The event watcher end to end on the oldest supported Airflow 3 minor (asset watchers are Airflow 3's;
# its triggerer, Variables and asset-triggered runs are 3.0's; the README's test command proves the newest):
# bash scripts/test-oldest-e2e.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/airflow-minors.sh
for MINOR in "${AIRFLOW_MINORS[@]}"; do [[ $MINOR == 3.* ]] && break; done
source scripts/matrix-venv.sh
"$VENV/bin/python" -m pytest tests/e2e/test_event_watcher.py "$@"
