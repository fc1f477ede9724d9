"""Test DAG: mapped pulls into a Chinese folder that no other DAG is scheduled on; each records its event."""

from __future__ import annotations

import os

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.11
    from airflow.models.dag import DAG

from airflow_provider_clue.operators.clue import ClueSearchOperator

ROOT = os.environ.get("CLUE_OUTPUT_ROOT", "file:///tmp/airflow-provider-clue").rstrip("/")
OTHER_USER = "0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11"
HALF_DAYS = [["2026-10-15 00:00:00", "2026-10-15 12:00:00"], ["2026-10-15 12:00:00", "2026-10-16 00:00:00"]]

with DAG("clue_test_mapped_assets", schedule=None, start_date=pendulum.datetime(2026, 10, 1, tz="UTC")):
    ClueSearchOperator.partial(task_id="pull_halves", destination=ROOT + "/线索/半天/{start}.jsonl").expand(
        created_at=HALF_DAYS
    )
    ClueSearchOperator.partial(
        task_id="pull_users", created_at=["2026-10-15", "2026-10-16"], destination=ROOT + "/线索/{user_id}.jsonl"
    ).expand(user_id=["40863af8-db4a-41c6-a269-eb5bc386d97f", OTHER_USER])
