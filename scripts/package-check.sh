#!/usr/bin/env bash
# Release checks: build the sdist and wheel, twine check them, install only the wheel (plus Airflow, the
# oldest and the newest supported minor) into clean virtualenvs, and check that Airflow sees the provider
# and every public module imports.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
rm -rf dist
"$VENV/bin/python" -m build --sdist --wheel --outdir dist . >/dev/null
"$VENV/bin/twine" check --strict dist/*
"$VENV/bin/python" scripts/check_wheel_contents.py dist/*.whl

# on the oldest and the newest supported Airflow, each with its release's dependency set
source scripts/uv.sh
CLEAN="$(mktemp -d)"
trap 'rm -rf "$CLEAN"' EXIT
for minor in "${AIRFLOW_MINORS[0]}" "$AIRFLOW_NEWEST_MINOR"; do
  "$UV" venv --quiet --python "$PYTHON" "$CLEAN/$minor"
  "$UV" pip install --quiet --python "$CLEAN/$minor/bin/python" dist/*.whl -c "constraints/airflow-$minor.txt"
  AIRFLOW_HOME="$CLEAN/airflow-$minor" "$CLEAN/$minor/bin/airflow" providers list -o plain | grep -E "^airflow-provider-clue\b"
  # away from the source tree: the imports must come from the installed wheel
  (cd "$CLEAN" && AIRFLOW_HOME="$CLEAN/airflow-$minor" "$CLEAN/$minor/bin/python" - <<'PY'
import importlib

import airflow

import airflow_provider_clue

modules = [
    "airflow_provider_clue.hooks.clue", "airflow_provider_clue.operators.clue", "airflow_provider_clue.sensors.clue",
    "airflow_provider_clue.triggers.clue", "airflow_provider_clue.exceptions", "airflow_provider_clue.testing",
]
for name in modules:
    module = importlib.import_module(name)
    assert "site-packages" in (module.__file__ or ""), f"{name} was imported from {module.__file__}"
print(f"airflow-provider-clue {airflow_provider_clue.__version__} on Airflow {airflow.__version__}: "
      f"{len(modules)} public modules import from the wheel")
PY
  )
done
