"""Test DAG: no schedule and no created_at, so the pull has no window and must say so."""

from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.11
    from airflow.models.dag import DAG

from airflow_provider_clue.operators.clue import ClueSearchOperator

with DAG("clue_test_unscheduled", schedule=None, start_date=pendulum.datetime(2026, 10, 1, tz="UTC")):
    ClueSearchOperator(task_id="pull", filters={"sex": ["{{ params.sex }}"]}, params={"sex": 1})
