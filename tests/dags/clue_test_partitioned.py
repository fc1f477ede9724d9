"""Test DAG: a partitioned daily schedule (Airflow 3.2+); each run pulls the day its partition stands for."""

from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.11
    from airflow.models.dag import DAG

from airflow_provider_clue.compat import SUPPORTS_PARTITIONS
from airflow_provider_clue.operators.clue import ClueSearchOperator

if SUPPORTS_PARTITIONS:
    from airflow.sdk import CronPartitionTimetable

    with DAG(
        "clue_test_partitioned",
        # the run at each Shanghai midnight is for the day that has just ended
        schedule=CronPartitionTimetable("0 0 * * *", timezone="Asia/Shanghai", run_offset=-1),
        start_date=pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai"),
        catchup=False,
    ):
        ClueSearchOperator(
            task_id="pull_partition", destination="{{ var.value.clue_test_root }}/partitions/{start_date}.jsonl"
        )
