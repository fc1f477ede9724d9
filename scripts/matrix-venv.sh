# Sourced with MINOR set: make sure .venvs/airflow-$MINOR holds that minor's newest patch with its own
# release-era dependency set (constraints/airflow-$MINOR.txt) and this package with its test extras,
# and set VENV to it. Re-installs when pyproject.toml, the version (__init__.py) or the constraints file change.
source scripts/uv.sh
VENV=".venvs/airflow-$MINOR"
stamp="$VENV/.installed-$(cat pyproject.toml airflow_provider_clue/__init__.py "constraints/airflow-$MINOR.txt" | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "Setting up $VENV (apache-airflow $(airflow_patch "$MINOR"))..."
  rm -rf "$VENV"
  "$UV" venv --quiet --python "${PYTHON:-python3}" "$VENV"
  "$UV" pip install --quiet --python "$VENV/bin/python" -e ".[test]" -c "constraints/airflow-$MINOR.txt"
  touch "$stamp"
fi
