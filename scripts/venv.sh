# Sourced by the other scripts: make sure .venv exists and holds the package with its test and lint
# extras, on the newest supported Airflow with that release's dependency set (constraints/). Re-installs
# when pyproject.toml, the version (__init__.py) or the constraints change. Needs only python3 (>= 3.10) and pip.
set -euo pipefail
VENV="${CLUE_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
source scripts/airflow-minors.sh
CONSTRAINTS="constraints/airflow-$AIRFLOW_NEWEST_MINOR.txt"
stamp="$VENV/.installed-$(cat pyproject.toml airflow_provider_clue/__init__.py "$CONSTRAINTS" | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "Setting up $VENV (Airflow and test tools; about a minute on a fresh machine)..."
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".[test,lint]" -c "$CONSTRAINTS"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
