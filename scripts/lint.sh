#!/usr/bin/env bash
# Static checks: ruff and mypy (sets up .venv on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
"$VENV/bin/ruff" check airflow_provider_clue tests bench scripts
"$VENV/bin/mypy"
