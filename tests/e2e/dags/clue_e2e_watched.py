"""End-to-end helper: a DAG scheduled on an asset that ClueEventTrigger watches, pulling each run's windows.

Each ``clue_e2e_watched_*`` file builds one with its own asset and account, for one scenario of
``tests/e2e/test_event_deliveries.py``: a renamed asset, two triggerers, queued runs, a paused DAG.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

from airflow.sdk import Asset, AssetWatcher, dag, task

from airflow_provider_clue.operators.clue import ClueSearchOperator
from airflow_provider_clue.triggers.clue import ClueEventTrigger

ROOT = os.environ.get("CLUE_OUTPUT_ROOT", "file:///tmp/airflow-provider-clue").rstrip("/")


def account_of(dag_id: str) -> str:
    """The account whose clues the DAG ``dag_id`` watches, one per scenario (the tests derive it alike)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"airflow-provider-clue/e2e/{dag_id}"))


def watched_pull(dag_id: str, asset_name: str, *, hold: float = 0.0, **dag_kwargs: Any) -> Any:
    """The DAG ``dag_id``: pull its account's announced windows into ``<root>/<dag_id>/<start>_<end>.jsonl``,
    then wait ``hold`` seconds (a run that stays active while more events come)."""
    user_id = account_of(dag_id)
    watched = Asset(name=asset_name, watchers=[AssetWatcher(
        name=f"{asset_name}_watcher", trigger=ClueEventTrigger(user_id=user_id, poll_interval=2, settle=2),
    )])

    @dag(dag_id=dag_id, schedule=[watched], catchup=False, tags=["e2e"], **dag_kwargs)
    def pipeline() -> None:
        destination = f"{ROOT}/{dag_id}/{{start}}_{{end}}.jsonl"
        pulled = ClueSearchOperator(task_id="pull", user_id=user_id, destination=destination)
        if hold:
            @task
            def hold_the_run() -> None:
                time.sleep(hold)

            pulled >> hold_the_run()

    return pipeline()
