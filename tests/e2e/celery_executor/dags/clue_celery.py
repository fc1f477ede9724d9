"""DAGs of the distributed deployment: a pull mapped over three accounts, backfilled across both Celery
workers into a Chinese folder, and a slow pull whose worker is killed in the middle of it."""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import dag

from airflow_provider_clue.operators.clue import ClueSearchOperator
from tests.e2e.celery_executor.accounts import MAPPED_USERS, SLOW_USER  # on PYTHONPATH in every component

OUTPUT_ROOT = os.environ["CLUE_OUTPUT_ROOT"].rstrip("/")
START = pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai")
END = pendulum.datetime(2026, 10, 31, tz="Asia/Shanghai")  # no scheduled runs: only the backfills'
RETRY = {"retries": 1, "retry_delay": timedelta(seconds=2)}


@dag(schedule="0 0 * * *", start_date=START, end_date=END, catchup=False, max_active_runs=14, tags=["e2e"])
def clue_celery_mapped_backfill() -> None:
    ClueSearchOperator.partial(
        task_id="pull", destination=OUTPUT_ROOT + "/分布式/{user_id}/{start_date}.jsonl", **RETRY
    ).expand(user_id=MAPPED_USERS)


@dag(schedule="0 0 * * *", start_date=START, end_date=END, catchup=False, tags=["e2e"])
def clue_celery_slow_pull() -> None:
    ClueSearchOperator(
        task_id="pull", user_id=SLOW_USER, destination=OUTPUT_ROOT + "/慢/{start_date}.jsonl", max_concurrency=2,
        **RETRY,
    )


clue_celery_mapped_backfill()
clue_celery_slow_pull()
