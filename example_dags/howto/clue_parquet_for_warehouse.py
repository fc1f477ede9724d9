"""Pull each day's clues to Parquet in Hive-style partitions, ready for a warehouse to load.

Needs the ``[parquet]`` extra. Each run writes the day that just ended to
``$CLUE_OUTPUT_ROOT/clue_warehouse/clues/dt=<day>/clues.parquet`` (one file per day, replaced when
the day is pulled again) with phone numbers as keyed hashes, then checks the file against the
pull's count before the load (see docs/howto-parquet-warehouse.md for the load statements).
"""

from __future__ import annotations

import os
from typing import Any

import pendulum

try:  # Airflow 3
    from airflow.sdk import ObjectStoragePath, dag, task
except ImportError:  # Airflow 2.11
    from airflow.decorators import dag, task
    from airflow.io.path import ObjectStoragePath

from airflow_provider_clue.operators.clue import ClueSearchOperator

OUTPUT_ROOT = os.environ.get("CLUE_OUTPUT_ROOT", "file:///tmp/airflow-provider-clue").rstrip("/")  # folder or bucket


@dag(
    schedule="0 0 * * *",
    start_date=pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["clue", "example"],
    doc_md=__doc__,
)
def clue_parquet_for_warehouse() -> None:
    pull = ClueSearchOperator(
        task_id="pull_clues",
        destination=OUTPUT_ROOT + "/clue_warehouse/clues/dt={start_date}/clues.parquet",
        phone_output="hash",
    )

    @task
    def check_before_load(summary: dict[str, Any]) -> str:
        import pyarrow.parquet as pq

        with ObjectStoragePath(summary["uri"]).open("rb") as parquet:
            rows = pq.ParquetFile(parquet).metadata.num_rows
        if rows != summary["count"]:
            raise ValueError(f"{summary['uri']} holds {rows} rows, the pull counted {summary['count']}")
        return str(summary["uri"])

    check_before_load(pull.output)


clue_parquet_for_warehouse()
