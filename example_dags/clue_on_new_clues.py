"""Pull new clues as they arrive: a DAG scheduled on an Asset that ClueEventTrigger watches.

The triggerer counts the clues created since its watermark every ``poll_interval`` seconds and,
once there are new ones whose creation time is ``settle`` seconds old, announces that window
as an asset event; the scheduler then makes a run, and the pull reads exactly the announced
window (the union, if one run consumes several). Each window lands in its own file under
``$CLUE_OUTPUT_ROOT/clue_on_new_clues/<start>_<end>.jsonl``; a window announced again after a
triggerer restart rewrites the same file. Unpause the DAG to start watching: events made while
it is paused make no run, and the watcher then does not run, so the first window after
unpausing holds everything since the last one.
"""

from __future__ import annotations

from airflow.sdk import Asset, AssetWatcher, dag
from clue_output import OUTPUT_CONN_ID, OUTPUT_ROOT

from airflow_provider_clue.operators.clue import ClueSearchOperator
from airflow_provider_clue.triggers.clue import ClueEventTrigger

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
        destination_conn_id=OUTPUT_CONN_ID,
    )


clue_on_new_clues()
