"""Test DAG: templated window, nested filters and destination, rendered by Airflow."""

from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.11
    from airflow.models.dag import DAG

from airflow_provider_clue.operators.clue import ClueSearchOperator

with DAG(
    "clue_test_templated",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai"),
    catchup=False,
    params={"sex": 2, "operators": [1, 3]},
):
    ClueSearchOperator(
        task_id="pull",
        created_at=["{{ ds }}", "{{ macros.ds_add(ds, 1) }}"],
        filters={"sex": ["{{ params.sex }}"], "operator": "{{ params.operators }}", "ai_call": "{{ 1 }}"},
        destination="{{ var.value.clue_test_root }}/templated/{{ ds_nodash }}.jsonl",
    )
