#!/usr/bin/env bash
# Re-resolve constraints/airflow-<minor>.txt: the newest patch of each supported Airflow minor with the
# package versions that existed at its release (uv's --exclude-newer), for the package's runtime, test,
# lint and bench dependencies, valid on every Python the package supports. Run it when pyproject.toml's
# dependencies change or a new patch is supported: bash scripts/compile-constraints.sh [minor ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/uv.sh
source scripts/airflow-minors.sh
for minor in "${@:-${AIRFLOW_MINORS[@]}}"; do
  version="$(airflow_patch "$minor")"
  "$UV" pip compile --quiet --universal --python-version 3.10 --no-header --exclude-newer "$(airflow_release_date "$minor")" \
    pyproject.toml --extra test --extra lint --extra bench <(echo "apache-airflow==$version") \
    -o "constraints/airflow-$minor.txt.new"
  {
    echo "# apache-airflow $version with the packages of its release ($(airflow_release_date "$minor")); written by"
    echo "# scripts/compile-constraints.sh, do not edit by hand."
    grep -v '^    # via' "constraints/airflow-$minor.txt.new" | grep -v '^    #   ' 
  } > "constraints/airflow-$minor.txt"
  rm "constraints/airflow-$minor.txt.new"
  echo "constraints/airflow-$minor.txt: apache-airflow $version, $(grep -c '==' "constraints/airflow-$minor.txt") pins"
done
