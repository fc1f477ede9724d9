"""Pull new clues as they arrive: a DAG scheduled on an Asset that ClueEventTrigger watches.

The triggerer counts the clues created since its watermark every ``poll_interval`` seconds and,
once there are new ones whose creation time is ``settle`` seconds old, announces that window
as an asset event; the scheduler then makes a run, and the pull reads every window announced
since its last pull (one run may take several; one whose windows an earlier run took is
skipped). Each run's clues land in their own file under
``$CLUE_OUTPUT_ROOT/clue_on_new_clues/<start>_<end>.jsonl``; a run cleared and run again rewrites
the same file. Unpause the DAG to start watching; after a pause, unpausing announces the last
window again, and that run pulls everything since the last pull. To schedule another DAG file on
these clues, move ``NEW_CLUES`` into a module of the dags folder and import it in both files.
"""

from __future__ import annotations

import os

try:
    from airflow.sdk import Asset, AssetWatcher, dag
except ImportError as error:  # Airflow 2.11: no asset watchers, so no ClueEventTrigger
    raise ImportError("clue_on_new_clues needs Airflow 3.0 or newer (AssetWatcher)") from error

from airflow_provider_clue.operators.clue import ClueSearchOperator
from airflow_provider_clue.triggers.clue import ClueEventTrigger

OUTPUT_ROOT = os.environ.get("CLUE_OUTPUT_ROOT", "file:///tmp/airflow-provider-clue").rstrip("/")  # folder or bucket

NEW_CLUES = Asset(
    name="clue_new_clues",
    watchers=[
        AssetWatcher(
            name="clue_new_clues_watcher",
            trigger=ClueEventTrigger(clue_conn_id="clue_default", poll_interval=60, settle=60),
        )
    ],
)


@dag(schedule=[NEW_CLUES], catchup=False, tags=["clue", "example"], doc_md=__doc__)
def clue_on_new_clues() -> None:
    ClueSearchOperator(
        task_id="pull_new_clues",
        destination=OUTPUT_ROOT + "/clue_on_new_clues/{start}_{end}.jsonl",
    )


clue_on_new_clues()
