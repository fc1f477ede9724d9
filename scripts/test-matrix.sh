#!/usr/bin/env bash
# Run the suite on each supported Airflow minor, each on its newest patch with its own release-era
# dependency set: bash scripts/test-matrix.sh [minor ...] [-- pytest arguments]
# The newest minor runs in .venv through scripts/test.sh (the README's test command, e2e included);
# the older ones in .venvs/airflow-<minor>, without the e2e deployment. Tests an older minor cannot
# run are skipped there by a named version gate (tests/version_gates.py), and pytest says why.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/airflow-minors.sh
minors=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do minors+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#minors[@]} -eq 0 ] && minors=("${AIRFLOW_MINORS[@]}")
summary=()
mkdir -p .venvs
for MINOR in "${minors[@]}"; do
  airflow_patch "$MINOR" >/dev/null
  started=$SECONDS
  log=".venvs/test-matrix-$MINOR.log"
  if [ "$MINOR" = "$AIRFLOW_NEWEST_MINOR" ]; then
    bash scripts/test.sh "$@" | tee "$log"
  else
    source scripts/matrix-venv.sh
    source scripts/chromium.sh
    "$VENV/bin/python" -m pytest --ignore=tests/e2e "$@" | tee "$log"
  fi
  summary+=("Airflow $(airflow_patch "$MINOR"): $(grep -E '^=+ .* in [0-9.]+s' "$log" | tail -1 | tr -d '=' | xargs) (with set-up: $((SECONDS - started)) s)")
done
printf '%s\n' "${summary[@]}"
