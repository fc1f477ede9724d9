"""End-to-end DAGs: a pull mapped over two accounts into a Chinese folder, and a DAG scheduled on its Asset."""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import dag, task

from airflow_provider_clue.operators.clue import ClueSearchOperator
from airflow_provider_clue.outputs.destinations import asset_of_destination

DESTINATION = os.environ["CLUE_OUTPUT_ROOT"].rstrip("/") + "/回填/{user_id}/{start_date}.jsonl"
USERS = ["40863af8-db4a-41c6-a269-eb5bc386d97f", "0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11"]
START = pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai")
END = pendulum.datetime(2026, 10, 31, tz="Asia/Shanghai")  # no scheduled runs: only the backfill's


@dag(schedule="0 0 * * *", start_date=START, end_date=END, catchup=False, tags=["e2e"])
def clue_e2e_mapped_backfill() -> None:
    ClueSearchOperator.partial(task_id="pull", destination=DESTINATION).expand(user_id=USERS)


@dag(schedule=[asset_of_destination(DESTINATION)], start_date=START, catchup=False, tags=["e2e"])
def clue_e2e_after_mapped_backfill() -> None:
    @task
    def files(*, triggering_asset_events: Any = None) -> list[str]:
        return sorted(event.extra["uri"] for events in triggering_asset_events.values() for event in events)

    files()


clue_e2e_mapped_backfill()
clue_e2e_after_mapped_backfill()
