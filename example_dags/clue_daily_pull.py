"""Pull each day's new clues (Asia/Shanghai days) to JSON Lines, then report what was pulled.

Runs at local midnight and pulls the day that just ended: with a cron schedule the run at tick
``T`` gets the window ``[previous tick, T)`` (see ClueSearchOperator). Files land under
``$CLUE_OUTPUT_ROOT/clue_daily_pull/<day>.jsonl`` (default ``file:///tmp/airflow-provider-clue``);
set ``CLUE_OUTPUT_ROOT=s3://bucket/prefix`` and ``CLUE_OUTPUT_CONN_ID=aws_default`` for S3.
"""

from __future__ import annotations

from typing import Any

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.11
    from airflow.decorators import dag, task
from clue_output import DAILY_DESTINATION, OUTPUT_CONN_ID

from airflow_provider_clue.operators.clue import ClueSearchOperator


@dag(
    schedule="0 0 * * *",
    start_date=pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["clue", "example"],
    doc_md=__doc__,
)
def clue_daily_pull() -> None:
    pull = ClueSearchOperator(
        task_id="pull_clues",
        clue_conn_id="clue_default",
        destination=DAILY_DESTINATION,
        destination_conn_id=OUTPUT_CONN_ID,
    )

    @task
    def report(summary: dict[str, Any]) -> int:
        start, end = summary["created_at"]
        print(f"{summary['count']} clues created in [{start}, {end}) are in {summary['uri']}")
        return int(summary["count"])

    report(pull.output)


clue_daily_pull()
