# Sourced by the other scripts: make sure .venv exists and holds the package with its test and lint extras.
# Re-installs when pyproject.toml or scripts/test-constraints.txt change. Needs only python3 (>= 3.10) and pip.
set -euo pipefail
VENV="${CLUE_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
stamp="$VENV/.installed-$(cat pyproject.toml scripts/test-constraints.txt | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "Setting up $VENV (Airflow and test tools; about a minute on a fresh machine)..."
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".[test,lint]" -c scripts/test-constraints.txt
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
