"""Pull each day's clues to S3-compatible storage: AWS S3, MinIO, Aliyun OSS or Tencent COS.

The storage is the Amazon Web Services connection ``clue_object_store`` (the Amazon provider
and ``s3fs`` installed): its access key and secret, and for MinIO, OSS or COS their endpoint in
the extra's ``endpoint_url`` (see docs/howto-s3-compatible.md). Each run writes the day that just
ended (Asia/Shanghai) to ``s3://clue-landing/clues/dt=<day>/clues.jsonl.gz``, phone numbers masked.
"""

from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag
except ImportError:  # Airflow 2.11
    from airflow.decorators import dag

from airflow_provider_clue.operators.clue import ClueSearchOperator


@dag(
    schedule="0 0 * * *",
    start_date=pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["clue", "example"],
    doc_md=__doc__,
)
def clue_to_s3_compatible() -> None:
    ClueSearchOperator(
        task_id="pull_clues",
        destination="s3://clue-landing/clues/dt={start_date}/clues.jsonl.gz",
        destination_conn_id="clue_object_store",
        phone_output="mask",
    )


clue_to_s3_compatible()
