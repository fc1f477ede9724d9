#!/usr/bin/env bash
# Release checks: build the sdist and wheel, twine check them, install only the wheel (plus Airflow)
# into a clean virtualenv, and check that Airflow sees the provider and every public module imports.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
rm -rf dist
"$VENV/bin/python" -m build --sdist --wheel --outdir dist . >/dev/null
"$VENV/bin/twine" check --strict dist/*
"$VENV/bin/python" scripts/check_wheel_contents.py dist/*.whl

CLEAN="$(mktemp -d)"
trap 'rm -rf "$CLEAN"' EXIT
"${PYTHON:-python3}" -m venv "$CLEAN/venv"
"$CLEAN/venv/bin/python" -m pip install --quiet --upgrade pip
"$CLEAN/venv/bin/python" -m pip install --quiet dist/*.whl -c scripts/test-constraints.txt
export AIRFLOW_HOME="$CLEAN/airflow"
"$CLEAN/venv/bin/airflow" providers list -o plain | grep -E "^airflow-provider-clue\b"
cd "$CLEAN"  # away from the source tree: the imports must come from the installed wheel
"$CLEAN/venv/bin/python" - <<'PY'
import importlib
import airflow_provider_clue

modules = [
    "airflow_provider_clue.hooks.clue", "airflow_provider_clue.operators.clue", "airflow_provider_clue.sensors.clue",
    "airflow_provider_clue.triggers.clue", "airflow_provider_clue.exceptions", "airflow_provider_clue.testing",
]
for name in modules:
    module = importlib.import_module(name)
    assert "site-packages" in (module.__file__ or ""), f"{name} was imported from {module.__file__}"
print(f"airflow-provider-clue {airflow_provider_clue.__version__}: {len(modules)} public modules import from the wheel")
PY
