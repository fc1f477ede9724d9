"""Wait (in the triggerer) until the day's clues have arrived, then pull them.

The sensor counts clues created from the start of the run's window up to now, checking every
five minutes without holding a worker slot; once ``min_count`` have arrived the pull reads the
run's window, exactly as ``clue_daily_pull`` does. Files land under
``$CLUE_OUTPUT_ROOT/clue_wait_then_pull/<day>.jsonl``.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag
except ImportError:  # Airflow 2.11
    from airflow.decorators import dag

from airflow_provider_clue.operators.clue import ClueSearchOperator
from airflow_provider_clue.sensors.clue import ClueSensor

OUTPUT_ROOT = os.environ.get("CLUE_OUTPUT_ROOT", "file:///tmp/airflow-provider-clue").rstrip("/")  # folder or bucket


@dag(
    schedule="0 0 * * *",
    start_date=pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["clue", "example"],
    doc_md=__doc__,
)
def clue_wait_then_pull() -> None:
    wait = ClueSensor(
        task_id="wait_for_clues",
        min_count=1,
        deferrable=True,
        poke_interval=300,
        timeout=timedelta(hours=6).total_seconds(),
    )
    pull = ClueSearchOperator(
        task_id="pull_clues",
        destination=OUTPUT_ROOT + "/clue_wait_then_pull/{start_date}.jsonl",
    )
    wait >> pull


clue_wait_then_pull()
