"""Pull each day's clues whose custom fields match, naming the fields as the pool's template does.

The pool's template ("公海模板") defines the custom fields (components); a filter names them as
they appear in the CRM and the pull looks up their ids at run time. Here: clues whose
客户来源 (lead source) contains "展会" (trade show), to
``$CLUE_OUTPUT_ROOT/clue_trade_show/<day>.jsonl``. List your pool's fields with
``python -m airflow_provider_clue components --conn-id clue_default``.
"""

from __future__ import annotations

import os

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag
except ImportError:  # Airflow 2.11
    from airflow.decorators import dag

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
def clue_by_custom_field() -> None:
    ClueSearchOperator(
        task_id="pull_trade_show_clues",
        filters={"components": {"客户来源": "展会"}},
        destination=OUTPUT_ROOT + "/clue_trade_show/{start_date}.jsonl",
    )


clue_by_custom_field()
