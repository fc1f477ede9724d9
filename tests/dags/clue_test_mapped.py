"""Test DAG: one mapped pull per (day, user), each to its own object."""

from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.11
    from airflow.models.dag import DAG

from airflow_provider_clue.operators.clue import ClueSearchOperator

OTHER_USER = "0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11"
DAYS = [["2026-10-10", "2026-10-11"], ["2026-10-11", "2026-10-12"], ["2026-10-12", "2026-10-13"]]

with DAG("clue_test_mapped", schedule=None, start_date=pendulum.datetime(2026, 10, 1, tz="UTC"), catchup=False):
    ClueSearchOperator.partial(
        task_id="pull_days", destination="{{ var.value.clue_test_root }}/days/{start_date}.jsonl"
    ).expand(created_at=DAYS)
    ClueSearchOperator.partial(
        task_id="pull_users",
        created_at=["2026-10-10", "2026-10-11"],
        destination="{{ var.value.clue_test_root }}/users/{user_id}.jsonl",
    ).expand(user_id=["40863af8-db4a-41c6-a269-eb5bc386d97f", OTHER_USER])
