"""Load a range of past days in one manual run: one mapped pull per day, two at a time.

Trigger it with ``{"first_day": "2026-09-01", "last_day": "2026-09-30"}`` (both included). Each
day lands where ``clue_daily_pull`` writes it (``$CLUE_OUTPUT_ROOT/clue_daily_pull/<day>.jsonl``),
so history and the daily runs fill one folder, and a day pulled again replaces its file.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum

try:  # Airflow 3
    from airflow.sdk import Param, dag, task
except ImportError:  # Airflow 2.11
    from airflow.decorators import dag, task
    from airflow.models.param import Param

from airflow_provider_clue.operators.clue import ClueSearchOperator

OUTPUT_ROOT = os.environ.get("CLUE_OUTPUT_ROOT", "file:///tmp/airflow-provider-clue").rstrip("/")  # folder or bucket


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai"),
    params={
        "first_day": Param("2026-10-01", type="string", format="date", description="first day to load"),
        "last_day": Param("2026-10-07", type="string", format="date", description="last day to load, included"),
    },
    tags=["clue", "example"],
    doc_md=__doc__,
)
def clue_backfill_history() -> None:
    @task
    def days(params: dict[str, Any]) -> list[list[str]]:
        first, last = pendulum.Date.fromisoformat(params["first_day"]), pendulum.Date.fromisoformat(params["last_day"])
        if last < first:
            raise ValueError(f"last_day {last} is before first_day {first}")
        return [[str(day), str(day.add(days=1))] for day in pendulum.interval(first, last).range("days")]

    ClueSearchOperator.partial(
        task_id="pull_day",
        destination=OUTPUT_ROOT + "/clue_daily_pull/{start_date}.jsonl",  # where clue_daily_pull writes
        max_active_tis_per_dag=2,
    ).expand(created_at=days())


clue_backfill_history()
