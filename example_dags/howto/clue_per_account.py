"""Pull each day's clues of every account the connection's token may read: one mapped pull each.

The accounts (``user_id`` values) come from the Variable ``clue_accounts``, a JSON list, read when
the run starts, so adding an account needs no DAG change. Each account's day lands in
``$CLUE_OUTPUT_ROOT/clue_per_account/<user_id>/<day>.jsonl``; a failed account is retried alone.
"""

from __future__ import annotations

import os

import pendulum

try:  # Airflow 3
    from airflow.sdk import Variable, dag, task
except ImportError:  # Airflow 2.11
    from airflow.decorators import dag, task
    from airflow.models.variable import Variable

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
def clue_per_account() -> None:
    @task
    def accounts() -> list[str]:
        return list(Variable.get("clue_accounts", deserialize_json=True))

    ClueSearchOperator.partial(
        task_id="pull_account",
        destination=OUTPUT_ROOT + "/clue_per_account/{user_id}/{start_date}.jsonl",
        max_active_tis_per_dag=4,
        map_index_template="{{ task.user_id }}",
    ).expand(user_id=accounts())


clue_per_account()
