"""Runs whenever clue_daily_pull lands a file: reads it back and counts clues per carrier."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pendulum

try:  # Airflow 3
    from airflow.sdk import ObjectStoragePath, dag, task
except ImportError:  # Airflow 2.11
    from airflow.decorators import dag, task
    from airflow.io.path import ObjectStoragePath
from clue_output import DAILY_DESTINATION, OUTPUT_CONN_ID

from airflow_provider_clue.outputs.destinations import asset_of_destination

CARRIERS = {1: "China Telecom", 2: "China Unicom", 3: "China Mobile"}


# The Asset clue_daily_pull's destination declares (its folder, percent-encoded if not ASCII).
@dag(
    schedule=[asset_of_destination(DAILY_DESTINATION)],
    start_date=pendulum.datetime(2026, 10, 1, tz="Asia/Shanghai"),  # Airflow 2.11 needs one
    catchup=False,
    tags=["clue", "example"],
    doc_md=__doc__,
)
def clue_after_daily_pull() -> None:
    @task
    def count_by_carrier(**context: Any) -> dict[str, int]:
        # the events that queued this run, by asset (Airflow 2.11: triggering_dataset_events, by URI)
        triggering = context.get("triggering_asset_events") or context.get("triggering_dataset_events") or {}
        counts: Counter[str] = Counter()
        for events in triggering.values():
            for event in events:
                path = ObjectStoragePath(event.extra["uri"], conn_id=OUTPUT_CONN_ID)
                with path.open("r", encoding="utf-8") as lines:
                    counts.update(CARRIERS.get(json.loads(line).get("operator"), "unknown") for line in lines)
        print(f"Clues per carrier: {dict(counts)}")
        return dict(counts)

    count_by_carrier()


clue_after_daily_pull()
