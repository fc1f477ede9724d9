"""One Airflow deployment and one emulator for the whole end-to-end suite."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pendulum
import pytest

from tests.e2e.deployment import Deployment, prepare_dags

if TYPE_CHECKING:
    from collections.abc import Iterator

    from airflow_provider_clue.testing import ClueEmulator

TODAY = pendulum.now("Asia/Shanghai").start_of("day")
USERS = ("40863af8-db4a-41c6-a269-eb5bc386d97f", "0b7e7f58-59a4-4d3e-9c59-0a9a4e3c2f11")
# the DAGs of tests/e2e/dags/clue_e2e_watched_*.py, each watching an account of its own
WATCHED_DAGS = ("renamed", "two_triggerers", "queued", "paused")
DAG_COUNT = 10  # the four examples, the two of clue_e2e_mapped_backfill.py and the watched ones


def account_of(dag_id: str) -> str:
    """The account a ``clue_e2e_watched_*`` DAG watches (as ``tests/e2e/dags/clue_e2e_watched.py`` derives it)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"airflow-provider-clue/e2e/{dag_id}"))

WATCH_START = pendulum.now("Asia/Shanghai").start_of("second")  # where clue_on_new_clues's first window starts


@pytest.fixture(scope="package")
def emulator() -> Iterator[ClueEmulator]:
    from airflow_provider_clue.testing import ClueEmulator

    # empty: the sensor's run must find nothing until clues arrive
    watched = tuple(account_of(f"clue_e2e_watched_{name}") for name in WATCHED_DAGS)
    with ClueEmulator(records=0, user_ids=USERS + watched) as running:
        yield running


@pytest.fixture(scope="package")
def deployment(emulator: ClueEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("airflow-deployment")
    # two intervals back: the ticks of yesterday's and today's local midnight are due
    daily_start = TODAY.subtract(days=2).add(seconds=1).isoformat()
    prepare_dags(home / "dags", daily_start=daily_start, watch_start=WATCH_START.isoformat())
    env = {**emulator.airflow_env(), "CLUE_OUTPUT_ROOT": f"file://{home}/output"}
    with Deployment(home, env).serving(DAG_COUNT) as running:
        yield running


