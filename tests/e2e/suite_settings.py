"""What the end-to-end suite's fixtures and tests share: its accounts, its DAGs and its times.

Imported as ``tests.e2e.suite_settings`` only. pytest imports ``conftest.py`` under a name of its
own, so constants computed there and imported again by a test would be computed twice, the clock
having moved on in between (a watcher's start one second off).
"""

from __future__ import annotations

import uuid

import pendulum

TODAY = pendulum.now("Asia/Shanghai").start_of("day")
USERS = ("40863af8-db4a-41c6-a269-eb5bc386d97f", "0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11")
# the DAGs of tests/e2e/dags/clue_e2e_watched_*.py, each watching an account of its own
WATCHED_DAGS = ("renamed", "two_triggerers", "queued", "paused")
DAG_COUNT = 10  # the four examples, the two of clue_e2e_mapped_backfill.py and the watched ones
WATCH_START = pendulum.now("Asia/Shanghai").start_of("second")  # where clue_on_new_clues's first window starts


def account_of(dag_id: str) -> str:
    """The account a ``clue_e2e_watched_*`` DAG watches (as ``tests/e2e/dags/clue_e2e_watched.py`` derives it)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"airflow-provider-clue/e2e/{dag_id}"))
